package dev.dualstream.ingest;

import dev.dualstream.schemas.KafkaConnection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * The ingest stage: a Kafka Streams application that reads {@code search.impressions}, {@code
 * search.clicks} and {@code corpus.documents} and writes {@code training.examples} and {@code
 * deadletter.ingest}.
 *
 * <p>It runs two topologies: {@link #buildTopology} (the join, enrichment and dedup, with the document
 * store) and {@link #buildDocumentCheckTopology} (dead-letters bad documents; Kafka Streams cannot read
 * one topic both into a global store and as a stream). {@link #start} runs both, each as its own Kafka
 * Streams instance, and returns a {@link RunningIngest} handle.
 */
public final class IngestApp {
  static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private IngestApp() {}

  /** The main topology (counters discarded); tests hand it to {@code TopologyTestDriver}. */
  public static Topology buildTopology(IngestOptions options) {
    return IngestTopology.main(options, new IngestCounters(), System::currentTimeMillis);
  }

  /** The document check topology: corpus.documents in, dead letters out, every document accounted for. */
  public static Topology buildDocumentCheckTopology(IngestOptions options) {
    return IngestTopology.documentCheck(options, new IngestCounters());
  }

  /**
   * Checks the input topics (present; impressions and clicks co-partitioned), then starts both Kafka
   * Streams instances. Returns at once; use {@link RunningIngest#awaitCaughtUp} to wait for progress.
   *
   * @throws IllegalStateException if a topic is missing, not co-partitioned, or Kafka does not answer
   */
  public static RunningIngest start(IngestOptions options, KafkaConnection kafka) {
    Admin admin = Admin.create(kafka.clientConfig());
    try {
      TopicLayout.check(admin, kafka.toString(), ADMIN_TIMEOUT);
      return RunningIngest.start(options, kafka, admin);
    } catch (RuntimeException e) {
      admin.close(Duration.ofSeconds(5));
      throw e;
    }
  }

  /** Kafka Streams configuration for one of the two instances. */
  static Properties streamsConfig(IngestOptions options, String applicationId, KafkaConnection kafka) {
    Properties p = kafka.clientProperties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, options.processingGuarantee());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(options.commitInterval().toMillis()));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, Integer.toString(options.replicationFactor()));
    p.put(StreamsConfig.STATE_DIR_CONFIG, options.stateDir().toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(options.numThreads()));
    // Examples carry document text, several documents each, and the join state keeps impressions as sent:
    // the output is about three times the input's bytes and compresses well. lz4 costs little CPU and
    // shortens what each exactly-once commit waits for (the producer flush) and what the broker writes.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    long sessionMs = options.sessionTimeout().toMillis();
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), Long.toString(sessionMs));
    // Kafka's advice: heartbeats at most a third of the session apart (its default, 3 s, fits the default session).
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        Long.toString(Math.max(1, Math.min(3_000, sessionMs / 3))));
    return p;
  }

  /**
   * {@code ingest [--bootstrap.servers=HOST:PORT] [--KEY=VALUE ...]}; {@code --help} lists the keys.
   * Kafka security comes from the file {@value KafkaConnection#SECURITY_FILE_ENV} names, if set.
   * Runs until the process is stopped.
   */
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> values = new LinkedHashMap<>();
    String bootstrap = "127.0.0.1:9092";
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        String table = String.format(Locale.ROOT, "  %-22s %s (default: %s)%n", "bootstrap.servers",
            "Kafka bootstrap servers.", bootstrap) + IngestOptions.help();
        System.out.println("usage: ingest [--bootstrap.servers=HOST:PORT] [--KEY=VALUE ...]\n\n"
            + table.replaceAll("(?m)^  ", "  --"));
        return;
      }
      String kv = arg.startsWith("--") ? arg.substring(2) : arg;
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        fail("expected --KEY=VALUE, got '" + arg + "' (see --help)");
        return;
      }
      if (kv.substring(0, eq).equals("bootstrap.servers")) {
        bootstrap = kv.substring(eq + 1);
      } else {
        values.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    RunningIngest running;
    try {
      running = start(IngestOptions.parse(values),
          KafkaConnection.of(bootstrap, KafkaConnection.securityFileFromEnvironment()));
    } catch (IllegalArgumentException | IllegalStateException e) {
      fail(e.getMessage());
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "ingest-shutdown"));
    running.awaitStopped();
    if (running.failure().isPresent()) {
      fail("stopped after a failure: " + running.failure().get());
    }
  }

  private static void fail(String message) {
    System.err.println("ingest: " + message);
    System.exit(2);
  }
}
