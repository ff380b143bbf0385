package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.bench.IngestBenchOptions;
import dev.dualstream.deploy.bench.IngestBenchResult;
import dev.dualstream.deploy.bench.IngestBenchmark;
import dev.dualstream.ingest.IngestOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream bench ingest}: the ingest stage's throughput beside a raw copy of the same bytes. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Times the ingest stage (Kafka Streams, exactly_once_v2) on a pre-filled input:",
        "  1. starts a Kafka broker (KRaft, 127.0.0.1 only) and publishes the corpus and",
        "     simulated searches and clicks once, in the demo's proportions;",
        "  2. runs rounds, each on the same input, alternating which goes first:",
        "     raw copy: one consumer and one transactional producer copy every input",
        "     record's bytes (Kafka Streams' producer settings, a commit every",
        "     commit.interval, offsets in the transaction; no decode, no join), the",
        "     broker's floor;",
        "     ingest: the real stage from a fresh start (new application id, empty",
        "     state) until every input offset is committed; then its committed examples",
        "     and dead letters are counted;",
        "  3. prints each round and the medians; a round's ratio is ingest over raw.",
        "Everything it starts is stopped at the end.",
        ""})
final class BenchIngestCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--dataset", paramLabel = "DIR", defaultValue = IngestBenchOptions.DEFAULT_DATASET,
      description = "A BEIR directory: its corpus is published, its train queries searched. Default: ${DEFAULT-VALUE}.")
  private Path dataset;

  @Option(names = "--impressions", paramLabel = "N", defaultValue = "" + IngestBenchOptions.DEFAULT_IMPRESSIONS,
      description = "Simulated searches; with the corpus and about 0.72 clicks each, the default makes a little over "
          + "500,000 events. Default: ${DEFAULT-VALUE}.")
  private long impressions;

  @Option(names = "--impression-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Simulated event time between two searches (e.g. 10ms, 15s): how fast windows close "
          + "and expire per event. Default: the simulator's, as in the demo (15s).")
  private Duration impressionInterval;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "" + IngestBenchOptions.DEFAULT_ROUNDS,
      description = "Rounds of raw copy and ingest; the figures are medians over them. Default: ${DEFAULT-VALUE}.")
  private int rounds;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "" + IngestBenchOptions.DEFAULT_SEED,
      description = "Seed of the click simulator. Default: ${DEFAULT-VALUE}.")
  private long seed;

  @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "" + IngestBenchOptions.DEFAULT_KAFKA_PORT,
      description = "Port of the broker on 127.0.0.1; the controller uses PORT+1. Default: ${DEFAULT-VALUE}.")
  private int kafkaPort;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = IngestBenchOptions.DEFAULT_WORK_DIR,
      description = "Broker data and ingest state; emptied at start. Default: ${DEFAULT-VALUE}.")
  private Path workDir;

  @Option(names = "--ingest-option", paramLabel = "KEY=VALUE",
      description = "An ingest option for the ingest passes, repeatable (keys as the README's ingest configuration"
          + " lists; application.id, state.dir and replication.factor are the benchmark's own). Default: none,"
          + " the production defaults.")
  private Map<String, String> ingestOptions = new LinkedHashMap<>();

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
  private Path json;

  @Override
  public Integer call() {
    PathChecks.requireDirectory("--dataset", dataset);
    PathChecks.requireParentDirectory("--json", json);
    IngestBenchOptions options;
    try {
      options = new IngestBenchOptions(dataset, workDir, kafkaPort, impressions, seed,
          impressionInterval != null ? impressionInterval : IngestBenchOptions.DEFAULT_IMPRESSION_INTERVAL, rounds,
          IngestOptions.parse(ingestOptions));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    IngestBenchResult result = IngestBenchmark.run(options, out::println);
    out.println();
    out.println(result.table());
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
}
