package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.demo.Demo;
import dev.dualstream.deploy.demo.DemoOptions;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.ReportTable;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream demo}: the whole pipeline once, on a bounded stream, with a result table. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs the whole pipeline once on real data and prints how the trained model",
        "retrieves, beside the untrained model and BM25:",
        "  1. starts a Kafka broker (KRaft, 127.0.0.1 only) as a child process;",
        "  2. publishes the corpus and simulates users issuing train-split queries:",
        "     BM25 shows 10 results, a position-based click model clicks;",
        "  3. ingest (Kafka Streams) joins clicks to impressions into examples;",
        "  4. the trainer (Flink MiniCluster, DJL on PyTorch) trains the dual encoder",
        "     on all of them and publishes a model version;",
        "  5. evaluates on the test split over the whole corpus:",
        "     Recall@1/10/100, MRR@10, nDCG@10.",
        "Everything it starts is stopped at the end, on failure and on Ctrl-C.",
        ""})
final class DemoCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--report-json", paramLabel = "FILE",
      description = "Also write the result table as JSON to FILE.")
  private Path reportJson;

  @Option(names = "--impressions", paramLabel = "N", defaultValue = "60000",
      description = "Simulated searches; about 0.6 clicks each become training examples. Default: ${DEFAULT-VALUE}.")
  private long impressions;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Training pairs per optimizer step. Default: the model's default.")
  private Integer batchSize;

  @Option(names = "--eval-queries", paramLabel = "N", defaultValue = "0",
      description = "Evaluate on the first N test queries only; 0 means all. Default: ${DEFAULT-VALUE}.")
  private int evalQueries;

  @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
      description = "Port of the demo's broker on 127.0.0.1; the controller uses PORT+1. Default: ${DEFAULT-VALUE}.")
  private int kafkaPort;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "var/demo",
      description = "Broker data, ingest state and model store of the demo; emptied at start. "
          + "Default: ${DEFAULT-VALUE}.")
  private Path workDir;

  @Option(names = "--report", paramLabel = "DIR",
      description = "Also write a report into DIR: index.html (the results table, and charts of every version the "
          + "trainer published, scored on the first 500 test queries, over examples trained and over event time; "
          + "opens offline), summary.md, report.json (the results as --report-json has them, the curves) and "
          + "runs/SYSTEM.run, each system's TREC run on the test split. Keeps every version in the model store.")
  private Path report;

  @Option(names = "--record", paramLabel = "DIR",
      description = "Also record the demo's input topics (corpus.documents, search.impressions, search.clicks) into "
          + "DIR once the simulator is done, as `record` does; `replay DIR` plays them back.")
  private Path record;

  @Option(names = "--foreign-traffic", paramLabel = "BAD,PAIRS", split = ",", arity = "0..1",
      fallbackValue = "99,20",
      description = "While the simulator publishes, another Kafka client mixes in BAD bad records (random bytes, "
          + "unknown schemas, a body that crashes Avro, null values) and PAIRS valid impression and click pairs written "
          + "with Avro's generic API, all stamped with the wall clock; the demo then checks that every pair became an "
          + "example and every bad record one dead letter. Without a value: 99,20.")
  private int[] foreignTraffic;

  @Override
  public Integer call() {
    dataset.checked();
    if (reportJson != null && reportJson.getParent() != null && !Files.isDirectory(reportJson.getParent())) {
      throw new UserError("--report-json " + reportJson + ": directory " + reportJson.getParent() + " does not exist");
    }
    ModelConfig model = ModelConfig.defaults();
    if (batchSize != null) {
      model = model.toBuilder().batchSize(batchSize).build();
    }
    DemoOptions options;
    try {
      if (foreignTraffic != null && foreignTraffic.length != 2) {
        throw new UserError("--foreign-traffic takes BAD,PAIRS (two numbers), got " + foreignTraffic.length);
      }
      options = new DemoOptions(dataset.dir, workDir, kafkaPort, impressions, seed.value, evalQueries, model,
          Optional.ofNullable(reportJson), foreignTraffic == null ? 0 : foreignTraffic[0],
          foreignTraffic == null ? 0 : foreignTraffic[1], Optional.ofNullable(record), Optional.ofNullable(report));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    Report report = Demo.run(options, line -> out.println(line));
    out.println();
    out.println(ReportTable.format(report));
    return 0;
  }
}
