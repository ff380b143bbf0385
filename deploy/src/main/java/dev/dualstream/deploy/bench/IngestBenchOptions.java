package dev.dualstream.deploy.bench;

import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.ingest.IngestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What the ingest benchmark runs on and how often. The defaults are declared here once; the CLI's
 * help shows them.
 *
 * @param dataset a BEIR directory; its corpus is published and its train queries are searched
 * @param workDir broker data and the ingest state of every round; emptied at start
 * @param kafkaPort the broker's port on 127.0.0.1 (its controller takes the next one)
 * @param impressions simulated searches in the pre-filled input; with the corpus and about 0.72
 *     clicks per search, the default makes a little over 500,000 events
 * @param seed seed of the click simulator
 * @param impressionInterval simulated event time between two searches: the sparser the stream in event
 *     time, the more windows close and expire per event (ingest's window stores once kept a RocksDB
 *     instance per segment of event time, which made a sparse stream about 40 times slower)
 * @param rounds rounds of (raw copy, ingest), the order alternating from round to round
 * @param ingest the ingest stage's options (application id, state directory and replication factor are the
 *     benchmark's own); its commit interval is the raw copy's too
 */
public record IngestBenchOptions(Path dataset, Path workDir, int kafkaPort, long impressions, long seed,
    Duration impressionInterval, int rounds, IngestOptions ingest) {

  public static final String DEFAULT_DATASET = "data/debian-pkgdesc";
  public static final String DEFAULT_WORK_DIR = "var/bench/ingest";
  public static final int DEFAULT_KAFKA_PORT = KafkaBrokerProcess.DEFAULT_PORT;
  public static final long DEFAULT_IMPRESSIONS = 280_000;
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_ROUNDS = 3;
  /** The simulator's own, which the demo runs at. */
  public static final Duration DEFAULT_IMPRESSION_INTERVAL = SimulationConfig.defaults(0, 0).impressionInterval();

  public IngestBenchOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(impressionInterval, "impressionInterval");
    Objects.requireNonNull(ingest, "ingest");
    if (kafkaPort < 1 || kafkaPort > 65534) {
      throw new IllegalArgumentException("--kafka-port must be between 1 and 65534, got " + kafkaPort);
    }
    if (impressions < 1) {
      throw new IllegalArgumentException("--impressions must be at least 1, got " + impressions);
    }
    if (impressionInterval.isNegative()) {
      throw new IllegalArgumentException("--impression-interval must not be negative, got " + impressionInterval);
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
    }
  }

  /** Every option at its default. */
  public static IngestBenchOptions defaults() {
    return new IngestBenchOptions(Path.of(DEFAULT_DATASET), Path.of(DEFAULT_WORK_DIR), DEFAULT_KAFKA_PORT,
        DEFAULT_IMPRESSIONS, DEFAULT_SEED, DEFAULT_IMPRESSION_INTERVAL, DEFAULT_ROUNDS, IngestOptions.defaults());
  }
}
