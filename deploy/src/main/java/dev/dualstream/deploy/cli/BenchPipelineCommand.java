package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.bench.PipelineBenchOptions;
import dev.dualstream.deploy.bench.PipelineBenchResult;
import dev.dualstream.deploy.bench.PipelineBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream bench pipeline}: the whole streaming path, timed against the bare loop. */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    defaultValueProvider = BenchPipelineCommand.Defaults.class,
    sortOptions = false,
    description = {
        "Times the whole streaming path on a replayed stream of training examples:",
        "  1. starts a Kafka broker (KRaft, 127.0.0.1 only) and publishes a backlog of",
        "     examples (debian-pkgdesc train pairs, as ingest writes them);",
        "  2. starts the training job (Flink MiniCluster: Kafka source, parallel decode",
        "     and featurize, the trainer) and lets it take turns with the bare training",
        "     loop on the same pairs in memory: the job drains half the backlog to",
        "     warm up, then bare window, stretch of the job, bare window, ...; each",
        "     stretch's examples/s over the mean of the two windows around it is a",
        "     paired ratio,",
        "     and the median of those is the result (the machine's speed drifts between",
        "     minutes; neighbours a few seconds apart see the same machine);",
        "  3. replays examples at a fixed rate, stamped with the time they are sent, and",
        "     reports click-to-step freshness (event time to the end of the step that",
        "     applied the example) over the last minute: p50, p99; and click-to-version",
        "     (event time to the moment a read_committed reader of models.versions sees",
        "     the first version that contains the example), replaying on until every",
        "     example of that minute is in a version.",
        "The trainer is train's: its default model and checkpoints (incremental, every",
        "60 s), unless the options below say otherwise; each checkpoint's bytes, rows,",
        "time and the time the training thread was blocked are listed.",
        "The ingest join is not part of the path: the replay stands in for its output.",
        "Everything it starts is stopped at the end.",
        ""})
final class BenchPipelineCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--backlog", paramLabel = "N", defaultValue = "1200000",
      description = "Examples published before the job starts, for the throughput phase: the first half warms "
          + "the job up (below about 600k the JIT is still compiling Flink's, Kafka's and Avro's code), the second "
          + "half is cut into the timed stretches. Default: ${DEFAULT-VALUE}.")
  private long backlog;

  @Option(names = "--rate", paramLabel = "PER_S", defaultValue = "1000",
      description = "Examples per second replayed in the freshness phase. Default: ${DEFAULT-VALUE}.")
  private double rate;

  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "15",
      description = "Paced replay before the measured minute. Default: ${DEFAULT-VALUE}.")
  private double warmupSeconds;

  @Option(names = "--decode-parallelism", paramLabel = "N", defaultValue = "2",
      description = "Parallel decode-and-featurize subtasks. Default: ${DEFAULT-VALUE}.")
  private int decodeParallelism;

  @Mixin
  private FeedingOptions feeding;

  @Option(names = "--batch-size", paramLabel = "N",
      description = "Pairs per training step. Default: train's, ${DEFAULT-VALUE}.")
  private int batchSize;

  @Option(names = "--threads", paramLabel = "N",
      description = "Compute threads of the trainer. Default: train's, ${DEFAULT-VALUE}.")
  private int threads;

  @Option(names = "--buckets", paramLabel = "N",
      description = "Rows of the embedding table (hash buckets of the features): a larger table with the same traffic"
          + " shows what a checkpoint costs as the table grows. Default: train's, ${DEFAULT-VALUE}.")
  private int buckets;

  @Option(names = "--checkpoint-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Checkpoint interval of the job (e.g. 30s, 5m). Default: train's, ${DEFAULT-VALUE}.")
  private Duration checkpointInterval;

  @Option(names = "--full-checkpoint-every", paramLabel = "N",
      description = "Incremental checkpoints, as train takes them: deltas of the changed table rows, a full link"
          + " compacted from the chain every N; 0: every checkpoint whole. Default: train's, ${DEFAULT-VALUE}.")
  private int fullCheckpointEvery;

  @Option(names = "--version-every", paramLabel = "STEPS", defaultValue = "100",
      description = "Publish a model version every STEPS steps, for click-to-version (train publishes none by"
          + " default; 100 steps of the default batch at 1,000 examples/s is about 13 s). Default: ${DEFAULT-VALUE}.")
  private int versionEvery;

  @Option(names = "--version-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "10s",
      description = "And no sooner than DURATION after the previous version: in the throughput phase 100 steps take"
          + " about a second, and a version of a 2^22-bucket table is 1 GB. Default: ${DEFAULT-VALUE}.")
  private Duration versionInterval;

  @Option(names = "--bare-windows", paramLabel = "N", defaultValue = "11",
      description = "Timed windows of 200 steps of the bare loop, at least 2; the job runs a timed stretch "
          + "between each two, so N - 1 paired ratios. Default: ${DEFAULT-VALUE}.")
  private int bareWindows;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9192",
      description = "Port of the broker on 127.0.0.1; the controller uses PORT+1. Default: ${DEFAULT-VALUE}.")
  private int kafkaPort;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "var/bench/pipeline",
      description = "Broker data, checkpoints and models; emptied at start. Default: ${DEFAULT-VALUE}.")
  private Path workDir;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
  private Path json;

  @Override
  public Integer call() {
    dataset.checked();
    PathChecks.requireParentDirectory("--json", json);
    PipelineBenchOptions options;
    try {
      options = new PipelineBenchOptions(dataset.dir, workDir, kafkaPort, backlog, rate, warmupSeconds,
          decodeParallelism, batchSize, threads, seed.value, checkpointInterval, bareWindows,
          feeding.featureCacheMb, feeding.feederNice, fullCheckpointEvery, versionEvery, versionInterval, buckets);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PipelineBenchResult result = PipelineBenchmark.run(options, out::println);
    out.println();
    out.println(result.summary());
    if (json != null) {
      try {
        Files.writeString(json, result.toJson() + System.lineSeparator(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UserError("cannot write " + json + ": " + e.getMessage(), e);
      }
      out.println("figures written to " + json);
    }
    return 0;
  }

  /** train's defaults ({@link TrainCommand.Defaults}) for the trainer's options, except how often versions come. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (arg instanceof CommandLine.Model.OptionSpec option
          && java.util.Set.of("--version-every", "--version-interval").contains(option.longestName())) {
        return null;
      }
      return new TrainCommand.Defaults().defaultValue(arg);
    }
  }
}
