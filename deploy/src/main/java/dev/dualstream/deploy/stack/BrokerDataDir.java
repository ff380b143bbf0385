package dev.dualstream.deploy.stack;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.Uuid;

/**
 * The broker's directory: {@code server.properties} (rewritten on every start, since ports may change),
 * {@code cluster.id}, the Kafka log under {@code log/}, and {@code broker.log} with the broker's output.
 * The cluster id is kept so that a restart, or a format interrupted half way, reuses the same log.
 * {@code broker.lock} marks the directory as taken while a broker runs on it.
 */
final class BrokerDataDir {
  static final int NODE_ID = 1;
  static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final int MAX_REPORT_BYTES = 1 << 20;
  private static final int MAX_ERROR_LINES = 10;
  private static final int TAIL_LINES = 15;

  private final Path root;

  BrokerDataDir(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  Path serverProperties() {
    return root.resolve("server.properties");
  }

  Path logDir() {
    return root.resolve("log");
  }

  Path brokerLog() {
    return root.resolve("broker.log");
  }

  /** True once the storage tool has written the log's identity; the broker refuses an unformatted log. */
  boolean formatted() {
    return Files.isRegularFile(logDir().resolve("meta.properties"));
  }

  /** The cluster id of this directory's log, created on first use. */
  String clusterId() throws IOException {
    Path file = root.resolve("cluster.id");
    if (Files.isRegularFile(file)) {
      return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }
    String id = Uuid.randomUuid().toString();
    Path partial = root.resolve("cluster.id." + UUID.randomUUID() + ".tmp");
    Files.writeString(partial, id + "\n", StandardCharsets.US_ASCII);
    Files.move(partial, file);
    return id;
  }

  void writeServerProperties(int port, int controllerPort, SecureListener secure) throws IOException {
    Files.createDirectories(logDir());
    StringBuilder text = new StringBuilder("# Written by dualstream on every broker start; edits are lost.\n");
    Map<String, String> config = serverConfig(port, controllerPort);
    if (secure != null) {
      config.put("listeners", config.get("listeners") + "," + SecureListener.NAME + "://127.0.0.1:" + secure.port());
      config.put("advertised.listeners", config.get("advertised.listeners") + "," + SecureListener.NAME
          + "://127.0.0.1:" + secure.port());
      config.put("listener.security.protocol.map", config.get("listener.security.protocol.map") + ","
          + SecureListener.NAME + ":SASL_SSL");
      config.putAll(secure.brokerConfig());
    }
    config.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    Files.writeString(serverProperties(), text.toString(), StandardCharsets.UTF_8);
  }

  /**
   * A single node in KRaft combined mode on 127.0.0.1 only. Internal topics get one replica (there is one
   * broker) and few partitions (each costs start-up work on a laptop). The test fixture in the schemas
   * test-jar configures its in-JVM broker the same way.
   */
  private Map<String, String> serverConfig(int port, int controllerPort) {
    Map<String, String> config = new TreeMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", Integer.toString(NODE_ID));
    config.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    config.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
    config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    config.put("controller.listener.names", CONTROLLER_LISTENER);
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    // Backslashes would be escapes in a properties file; Kafka accepts forward slashes on every platform.
    config.put("log.dirs", logDir().toString().replace('\\', '/'));
    config.put("auto.create.topics.enable", "false");
    // Simulated and replayed streams carry event times from the past; time-based retention would
    // delete them soon after they are written.
    config.put("log.retention.ms", "-1");
    config.put("num.partitions", "1");
    config.put("default.replication.factor", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
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

  /**
   * Locks the directory for one broker, for as long as the returned handle is open. Kafka itself locks its
   * log only once the broker part starts, after the controller has already written to the metadata log:
   * a second broker on the same directory corrupted the first one's log in a trial. So we hold a lock of
   * our own, and also probe Kafka's lock, which a broker left running by a killed parent still holds.
   */
  Closeable lock() throws IOException {
    Files.createDirectories(root);
    FileChannel channel = FileChannel.open(root.resolve("broker.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (tryLock(channel) == null || kafkaLockHeld()) {
        throw new BrokerStartException("the Kafka data directory " + root + " is in use by another broker;"
            + " stop it or use another data directory");
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return channel::close;
  }

  private boolean kafkaLockHeld() throws IOException {
    Path kafkaLock = logDir().resolve(".lock");
    if (!Files.exists(kafkaLock)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(kafkaLock, StandardOpenOption.WRITE)) {
      FileLock probe = tryLock(channel);
      if (probe == null) {
        return true;
      }
      probe.release();
      return false;
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by this JVM
    }
  }

  long brokerLogSize() throws IOException {
    return Files.isRegularFile(brokerLog()) ? Files.size(brokerLog()) : 0;
  }

  /**
   * What a user needs when the broker failed: the ERROR lines this run wrote to broker.log (with the
   * exception message after each) and its last lines; the full log stays in the file.
   */
  String brokerLogReport(long runStart) {
    List<String> lines = readLines(runStart);
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < lines.size() && errors.size() < MAX_ERROR_LINES; i++) {
      if (lines.get(i).contains("] ERROR ") || lines.get(i).contains("] FATAL ")) {
        errors.add(lines.get(i));
        if (i + 1 < lines.size() && !lines.get(i + 1).startsWith("[")) {
          errors.add(lines.get(i + 1));
        }
      }
    }
    StringBuilder report = new StringBuilder();
    if (!errors.isEmpty()) {
      report.append("errors in ").append(brokerLog()).append(":\n").append(String.join("\n", errors)).append('\n');
    }
    report.append("last lines of ").append(brokerLog()).append(":\n")
        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())));
    return report.toString();
  }

  private List<String> readLines(long runStart) {
    Path log = brokerLog();
    if (!Files.isRegularFile(log)) {
      return List.of("(no output)");
    }
    try (SeekableByteChannel channel = Files.newByteChannel(log)) {
      long start = Math.max(runStart, channel.size() - MAX_REPORT_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, channel.size() - start));
      channel.position(start);
      int read;
      do {
        read = channel.read(buffer);
      } while (read >= 0 && buffer.hasRemaining());
      return List.of(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).split("\\R"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + log, e);
    }
  }
}
