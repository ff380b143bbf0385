package dev.dualstream.deploy.stack;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.TopicAdmin;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one) running in a child JVM on 127.0.0.1:
 * the local stack's Kafka. It runs {@code kafka.Kafka} from this JVM's own class path, so no Kafka
 * distribution is needed, keeps its log under a data directory so a restart finds earlier records, and
 * writes its output to {@code <dataDir>/broker.log}. One broker per data directory: starting a second on
 * a directory in use fails before anything is launched, and so do taken ports.
 *
 * <p>{@link #close()} sends SIGTERM (Kafka shuts down cleanly and releases its log lock), waits, then
 * kills; a JVM shutdown hook does the same, so Ctrl-C leaves no broker behind. The broker is a {@link
 * ChildJvm}, so it halts by itself when this JVM dies without running its hooks ({@code kill -9}).
 * {@link #kill()} crashes it on purpose, for tests that restart a broker on its data.
 *
 * <pre>{@code
 * try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start(Path.of("var/kafka"), 9092, Duration.ofSeconds(60))) {
 *   KafkaBrokerProcess.createTopics(kafka.bootstrapServers(), 3, Topics.IMPRESSIONS, Topics.CLICKS);
 *   ...
 * }
 * }</pre>
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  public static final int DEFAULT_PORT = 9092;
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final String bootstrapServers;
  private final Path logFile;
  private final Closeable dataDirLock;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KafkaBrokerProcess(Process process, String bootstrapServers, Path logFile, Closeable dataDirLock) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.logFile = logFile;
    this.dataDirLock = dataDirLock;
    this.shutdownHook = new Thread(() -> ChildJvm.stop(process, STOP_TIMEOUT), "kafka-broker-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a broker on {@code port}, its controller on {@code port + 1}, and waits until it is ready. */
  public static KafkaBrokerProcess start(Path dataDir, int port, Duration readyTimeout) {
    return builder(dataDir).port(port).readyTimeout(readyTimeout).start();
  }

  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Creates the topics that are missing (one replica each) and returns once every partition has a
   * leader, so producing at once is safe. Works against any broker, not only one started here.
   */
  public static void createTopics(String bootstrapServers, int partitions, Topic<?, ?>... topics) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      TopicAdmin.createAndAwaitLeaders(admin, partitions, TopicAdmin.names(topics), TOPIC_TIMEOUT);
    }
  }

  /** The {@code bootstrap.servers} value for clients: {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** A PLAINTEXT connection to this broker, as the system's clients take it. */
  public KafkaConnection connection() {
    return KafkaConnection.plaintext(bootstrapServers);
  }

  /** The operating system's id of the broker process. */
  public long pid() {
    return process.pid();
  }

  /** Where the broker's output goes: {@code <dataDir>/broker.log}. */
  public Path logFile() {
    return logFile;
  }

  /**
   * Waits until the broker exits, or {@code timeout} passes.
   *
   * @return its exit code if it exited, empty if it still runs
   */
  public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
  }

  /** Stops the broker (SIGTERM, then a kill after 30 s) and waits until the process is gone. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      removeShutdownHook();
      ChildJvm.stop(process, STOP_TIMEOUT);
      closeQuietly(dataDirLock);
    }
  }

  /**
   * Kills the broker as a crash would (SIGKILL: no clean shutdown, its log left for recovery), waits until
   * the process is gone and releases the data directory, so that a broker can be started on the same data
   * again. Does nothing after {@link #close()}.
   */
  public void kill() {
    if (closed.compareAndSet(false, true)) {
      removeShutdownHook();
      ChildJvm.kill(process);
      closeQuietly(dataDirLock);
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down, and the hook is stopping the broker.
    }
  }

  @Override
  public String toString() {
    return "Kafka broker on " + bootstrapServers + " (pid " + process.pid() + ")";
  }

  private static void closeQuietly(Closeable lock) {
    try {
      lock.close();
    } catch (IOException e) {
      // Closing the channel is what releases the lock; the process exit would release it too.
    }
  }

  /** Options for a broker; {@link #start()} launches it. */
  public static final class Builder {
    private final Path dataDir;
    private int port = DEFAULT_PORT;
    private Integer controllerPort;
    private Duration readyTimeout = Duration.ofSeconds(60);
    private SecureListener secure;

    private Builder(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    }

    /** The client port on 127.0.0.1; default 9092. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /** The KRaft controller's port on 127.0.0.1; default {@code port + 1}. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = checkPort(controllerPort);
      return this;
    }

    /** A SASL_SSL listener beside the PLAINTEXT one (see {@link SecureListener}); default none. */
    public Builder secureListener(SecureListener listener) {
      this.secure = listener;
      return this;
    }

    /** How long to wait for the broker to answer before giving up; default 60 s. */
    public Builder readyTimeout(Duration readyTimeout) {
      if (readyTimeout.isNegative() || readyTimeout.isZero()) {
        throw new IllegalArgumentException("readyTimeout must be positive, got " + readyTimeout);
      }
      this.readyTimeout = readyTimeout;
      return this;
    }

    /**
     * Locks the data directory, checks both ports, formats storage on first use, starts the broker and
     * waits until it is ready.
     *
     * @throws BrokerStartException when the data directory is in use, a port is taken, or the broker
     *     fails or is not ready in time; its message is meant for the user as it is
     */
    public KafkaBrokerProcess start() {
      int cport = controllerPort != null ? controllerPort : checkPort(port + 1);
      if (cport == port) {
        throw new IllegalArgumentException("the controller port must differ from the broker port " + port);
      }
      if (secure != null && (secure.port() == port || secure.port() == cport)) {
        throw new IllegalArgumentException("the SASL_SSL port must differ from the broker's ports " + port + ", " + cport);
      }
      BrokerDataDir dir = new BrokerDataDir(dataDir);
      Closeable lock;
      try {
        lock = dir.lock();
      } catch (IOException e) {
        throw new BrokerStartException("cannot lock the Kafka data directory " + dir.root() + ": " + e.getMessage(), e);
      }
      try {
        requireFree(port, "");
        requireFree(cport, " (the broker's controller port)");
        if (secure != null) {
          requireFree(secure.port(), " (the broker's SASL_SSL port)");
        }
        return launchBroker(dir, cport, lock);
      } catch (RuntimeException e) {
        closeQuietly(lock);
        throw e;
      }
    }

    private KafkaBrokerProcess launchBroker(BrokerDataDir dir, int cport, Closeable lock) {
      long runStart;
      try {
        runStart = dir.brokerLogSize();
        dir.writeServerProperties(port, cport, secure);
        if (!dir.formatted()) {
          format(dir, runStart);
        }
      } catch (IOException e) {
        throw new BrokerStartException("cannot prepare the Kafka data directory " + dir.root() + ": " + e.getMessage(), e);
      }
      Process process = launch(dir, "kafka.Kafka", dir.serverProperties().toString());
      KafkaBrokerProcess broker = new KafkaBrokerProcess(process, "127.0.0.1:" + port, dir.brokerLog(), lock);
      try {
        awaitReady(broker, dir, runStart);
      } catch (RuntimeException e) {
        broker.close();
        throw e;
      }
      return broker;
    }

    private void format(BrokerDataDir dir, long runStart) throws IOException {
      List<String> args = new ArrayList<>(List.of("format", "--ignore-formatted", "--cluster-id", dir.clusterId(),
          "--config", dir.serverProperties().toString()));
      if (secure != null) {
        args.addAll(secure.formatArguments());
      }
      Process format = launch(dir, "kafka.tools.StorageTool", args.toArray(String[]::new));
      try {
        if (!format.waitFor(readyTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          ChildJvm.stop(format, STOP_TIMEOUT);
          throw failure("formatting Kafka storage in " + dir.logDir() + " did not finish within " + readyTimeout, dir, runStart);
        }
      } catch (InterruptedException e) {
        ChildJvm.stop(format, STOP_TIMEOUT);
        Thread.currentThread().interrupt();
        throw new BrokerStartException("interrupted while formatting Kafka storage", e);
      }
      if (format.exitValue() != 0) {
        throw failure("formatting Kafka storage in " + dir.logDir() + " failed (exit " + format.exitValue() + ")", dir, runStart);
      }
    }

    /** Polls until the broker accepts a connection and answers describeCluster with itself. */
    private void awaitReady(KafkaBrokerProcess broker, BrokerDataDir dir, long runStart) {
      long deadline = System.nanoTime() + readyTimeout.toNanos();
      try (Admin admin = Admin.create(Map.of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000))) {
        while (true) {
          if (!broker.process.isAlive()) {
            throw failure("the Kafka broker exited during start-up (exit " + broker.process.exitValue() + ")", dir, runStart);
          }
          // Asking Admin only once the port listens keeps its connection warnings out of the console.
          if (listens(port) && answers(admin)) {
            return;
          }
          if (System.nanoTime() > deadline) {
            throw failure("the Kafka broker on " + broker.bootstrapServers() + " was not ready within "
                + readyTimeout.toSeconds() + " s and was stopped", dir, runStart);
          }
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BrokerStartException("interrupted while waiting for the Kafka broker", e);
      }
    }

    private static boolean answers(Admin admin) throws InterruptedException {
      try {
        return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes().get().isEmpty();
      } catch (ExecutionException e) {
        return false;
      }
    }

    private static boolean listens(int port) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    private Process launch(BrokerDataDir dir, String mainClass, String... args) {
      try {
        return ChildJvm.of(mainClass).args(args)
            // A configuration of our own: Kafka's default logs to files beside the class path.
            .jvmOptions("-Xms128m", "-Xmx768m", "-Dlog4j2.configurationFile=log4j2-broker.xml")
            .log(dir.brokerLog())
            .start();
      } catch (IOException e) {
        throw new BrokerStartException("cannot start a Java process for " + mainClass + ": " + e.getMessage(), e);
      }
    }

    private static BrokerStartException failure(String what, BrokerDataDir dir, long runStart) {
      return new BrokerStartException(what + "\n" + dir.brokerLogReport(runStart));
    }

    private static void requireFree(int port, String role) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
      } catch (IOException e) {
        throw new BrokerStartException("port " + port + " on 127.0.0.1" + role
            + " is in use; stop what holds it or pass --kafka-port");
      }
    }

    private static int checkPort(int port) {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 1..65535, got " + port);
      }
      return port;
    }
  }
}
