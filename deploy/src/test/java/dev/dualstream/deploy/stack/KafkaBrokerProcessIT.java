package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.samples.SampleRecords;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerProcessIT {
  private static final Duration READY = Duration.ofSeconds(120);

  @TempDir
  Path dataDir;

  @Test
  void keepsRecordsAcrossARestartAndLeavesNothingRunning() throws Exception {
    int port = FreePorts.one();
    int controllerPort = FreePorts.one();
    Topic<String, Click> topic = Topics.CLICKS;
    Click click = SampleRecords.click();

    long firstPid;
    try (KafkaBrokerProcess broker = start(port, controllerPort)) {
      firstPid = broker.pid();
      assertEquals("127.0.0.1:" + port, broker.bootstrapServers());
      KafkaBrokerProcess.createTopics(broker.bootstrapServers(), 2, topic);
      produce(broker.bootstrapServers(), topic, click);
      assertEquals(List.of(click), TopicReader.readValues(broker.bootstrapServers(), topic, 1));
    }
    assertGone(firstPid);
    assertTrue(portIsFree(port), "port " + port + " still bound after close");
    assertTrue(portIsFree(controllerPort), "controller port " + controllerPort + " still bound after close");
    String clusterId = Files.readString(dataDir.resolve("cluster.id"));

    // The second start must reuse the formatted log rather than format a new cluster.
    KafkaBrokerProcess restarted = start(port, controllerPort);
    try {
      assertEquals(List.of(click), TopicReader.readValues(restarted.bootstrapServers(), topic, 1));
      assertEquals(clusterId, Files.readString(dataDir.resolve("cluster.id")));
      assertTrue(Files.readString(restarted.logFile()).contains("Kafka Server started"), "broker.log has the start line");
    } finally {
      restarted.close();
    }
    assertGone(restarted.pid());
    assertLockReleased();
  }

  @Test
  void refusesAPortThatIsTakenWithAOneLineMessage() throws IOException {
    try (ServerSocket holder = new ServerSocket()) {
      holder.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = holder.getLocalPort();

      BrokerStartException error = assertThrows(BrokerStartException.class,
          () -> KafkaBrokerProcess.builder(dataDir).port(port).controllerPort(FreePorts.one()).start());

      assertEquals("port " + port + " on 127.0.0.1 is in use; stop what holds it or pass --kafka-port", error.getMessage());
      assertFalse(Files.exists(dataDir.resolve("broker.log")), "nothing was launched");
    }
  }

  @Test
  void refusesATakenControllerPort() throws IOException {
    try (ServerSocket holder = new ServerSocket()) {
      holder.bind(new InetSocketAddress("127.0.0.1", 0));
      int controllerPort = holder.getLocalPort();

      BrokerStartException error = assertThrows(BrokerStartException.class,
          () -> KafkaBrokerProcess.builder(dataDir).port(FreePorts.one()).controllerPort(controllerPort).start());

      assertEquals("port " + controllerPort + " on 127.0.0.1 (the broker's controller port) is in use;"
          + " stop what holds it or pass --kafka-port", error.getMessage());
    }
  }

  @Test
  void refusesASecondBrokerOnADataDirectoryInUse() throws Exception {
    try (KafkaBrokerProcess running = start(FreePorts.one(), FreePorts.one())) {
      BrokerStartException error = assertThrows(BrokerStartException.class, () -> start(FreePorts.one(), FreePorts.one()));

      assertEquals("the Kafka data directory " + dataDir.toAbsolutePath().normalize()
          + " is in use by another broker; stop it or use another data directory", error.getMessage());
      KafkaBrokerProcess.createTopics(running.bootstrapServers(), 1, Topics.DOCUMENTS);
      assertTrue(running.pid() > 0 && ProcessHandle.of(running.pid()).map(ProcessHandle::isAlive).orElse(false),
          "the first broker still runs");
    }
  }

  @Test
  void reportsABrokerThatDiesDuringStartUpWithItsErrors() throws IOException {
    // A log that belongs to another node: Kafka refuses it and exits.
    Files.createDirectories(dataDir.resolve("log"));
    Files.writeString(dataDir.resolve("log/meta.properties"),
        "version=1\nnode.id=7\ncluster.id=" + Uuid.randomUuid() + "\ndirectory.id=" + Uuid.randomUuid() + "\n");

    BrokerStartException error = assertThrows(BrokerStartException.class, () -> start(FreePorts.one(), FreePorts.one()));

    String message = error.getMessage();
    assertTrue(message.startsWith("the Kafka broker exited during start-up (exit 1)\nerrors in "), message);
    assertTrue(message.contains("Stored node id 7 doesn't match previous node id 1"), message);
    assertLockReleased();
  }

  private KafkaBrokerProcess start(int port, int controllerPort) {
    return KafkaBrokerProcess.builder(dataDir).port(port).controllerPort(controllerPort).readyTimeout(READY).start();
  }

  private static void produce(String bootstrapServers, Topic<String, Click> topic, Click click) throws Exception {
    try (KafkaProducer<String, Click> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", bootstrapServers), topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), click.getImpressionId(), click)).get();
    }
  }

  /** Within one JVM, tryLock throws while any channel of this JVM still holds the lock. */
  private void assertLockReleased() throws IOException {
    try (FileChannel channel = FileChannel.open(dataDir.resolve("broker.lock"), StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      assertNotNull(lock, "broker.lock is still held");
      lock.release();
    }
  }

  private static void assertGone(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    assertFalse(handle.isPresent() && handle.get().isAlive(), "broker process " + pid + " still runs");
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
