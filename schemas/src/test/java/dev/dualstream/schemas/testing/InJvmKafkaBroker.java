package dev.dualstream.schemas.testing;

import dev.dualstream.schemas.Topic;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A single-node KRaft broker (combined broker and controller) running inside the test JVM, with its log
 * in a temporary directory that is deleted on close. Both listeners bind 127.0.0.1 on free ports.
 *
 * <p>Starting in-process rather than as a child JVM costs 2 to 6 s once per test JVM and needs no
 * Kafka distribution. Storage is formatted with Kafka's own {@link Formatter}, as {@code kafka-storage.sh
 * format} does, with a fresh cluster id per start.
 */
final class InJvmKafkaBroker implements KafkaBroker, AutoCloseable {
  private static final int NODE_ID = 1;
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final int START_ATTEMPTS = 3;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Admin admin;
  private boolean closed;

  private InJvmKafkaBroker(Path dir, KafkaRaftServer server, String bootstrapServers) {
    this.dir = dir;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_TIMEOUT.toMillis()));
  }

  /**
   * Starts a broker and waits until it answers. Free ports are probed and then bound by the broker, so
   * another process may take one in between; a start that fails is retried on new ports.
   */
  static InJvmKafkaBroker start() {
    RuntimeException failure = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        InJvmKafkaBroker broker = startOnce();
        broker.awaitReady();
        return broker;
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  private static InJvmKafkaBroker startOnce() {
    Path dir = createTempDir();
    KafkaRaftServer server = null;
    try {
      int brokerPort = freePort();
      int controllerPort = freePort();
      Path logDir = dir.resolve("log");
      KafkaConfig config = new KafkaConfig(serverConfig(brokerPort, controllerPort, logDir), false);
      format(logDir);
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      return new InJvmKafkaBroker(dir, server, "127.0.0.1:" + brokerPort);
    } catch (RuntimeException e) {
      if (server != null) {
        stopQuietly(server, e);
      }
      deleteRecursively(dir);
      throw e;
    }
  }

  /** The equivalent of a server.properties for a single node that tests can use at once. */
  static Map<String, Object> serverConfig(int brokerPort, int controllerPort, Path logDir) {
    Map<String, Object> config = new HashMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", Integer.toString(NODE_ID));
    config.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    config.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
    config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    config.put("controller.listener.names", CONTROLLER_LISTENER);
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    config.put("log.dirs", logDir.toString());
    config.put("auto.create.topics.enable", "false");
    // Simulated and replayed streams carry event times from the past; time-based retention would
    // delete them soon after they are written.
    config.put("log.retention.ms", "-1");
    config.put("num.partitions", "1");
    config.put("default.replication.factor", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    // One replica for every internal topic; few partitions, since each costs start-up work on 2 cores.
    config.put("offsets.topic.replication.factor", "1");
    config.put("offsets.topic.num.partitions", "4");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("transaction.state.log.num.partitions", "4");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    config.put("share.coordinator.state.topic.num.partitions", "4");
    return config;
  }

  private static void format(Path logDir) {
    // The formatter prints "Formatting ..." lines; tests have no use for them.
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    try {
      new Formatter()
          .setPrintStream(quiet)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setMetadataLogDirectory(logDir.toString())
          .setDirectories(List.of(logDir.toString()))
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("formatting Kafka storage in " + logDir + " failed: " + e.getMessage(), e);
    }
  }

  private void awaitReady() {
    try {
      admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      IllegalStateException failure = new IllegalStateException(
          "in-JVM Kafka broker on " + bootstrapServers + " did not answer within " + READY_TIMEOUT, e);
      stop(failure);
      throw failure;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      IllegalStateException failure = new IllegalStateException("interrupted while the broker started", e);
      stop(failure);
      throw failure;
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void createTopics(int partitions, String... names) {
    dev.dualstream.schemas.TopicAdmin.createAndAwaitLeaders(admin, partitions, List.of(names), TOPIC_TIMEOUT);
  }

  @Override
  public void createTopics(int partitions, Topic<?, ?>... topics) {
    createTopics(partitions, Stream.of(topics).map(Topic::name).toArray(String[]::new));
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      stop(null);
    }
  }

  private void stop(RuntimeException pending) {
    admin.close(Duration.ofSeconds(5));
    stopQuietly(server, pending);
    deleteRecursively(dir);
  }

  private static void stopQuietly(KafkaRaftServer server, RuntimeException pending) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      if (pending != null) {
        pending.addSuppressed(e);
      } else {
        throw e;
      }
    }
  }

  @Override
  public String toString() {
    return "in-JVM Kafka broker on " + bootstrapServers;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("dualstream-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary directory is harmless; failing a finished test run over it is not.
    }
  }
}
