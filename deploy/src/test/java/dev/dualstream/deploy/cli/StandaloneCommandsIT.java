package dev.dualstream.deploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.deploy.stack.ChildJvm;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.TopicReader;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.schemas.avro.TrainingExample;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone commands as a user runs them: {@code broker} makes every topic; {@code simulate} searches a
 * slice of debian-pkgdesc live; {@code ingest}, pointed at the broker, turns those and what a plain Kafka
 * producer writes (a document, an impression, a click, as the README's walk-through says) into committed
 * training examples, every click one; each stops at its {@code --duration}; the broker, in a process of its
 * own, stops on SIGTERM as on Ctrl-C, says so, and frees its port.
 */
class StandaloneCommandsIT {

  @Test
  void brokerThenIngestTurnAProducersEventsIntoAnExample(@TempDir Path dir) throws Exception {
    int port = FreePorts.pair();
    String bootstrap = "127.0.0.1:" + port;
    // In a process of its own, stopped as a user stops it (Ctrl-C, SIGTERM) once the other commands are done.
    Path brokerLog = dir.resolve("broker-command.log");
    Process broker = ChildJvm.of(DualstreamCli.class.getName()).args("broker", "--port", "" + port,
        "--data-dir", dir.resolve("broker").toString(), "--partitions", "3").log(brokerLog).start();
    try {
      awaitTopics(bootstrap, broker, brokerLog);
      producerSimulateAndIngest(bootstrap, dir);
    } finally {
      ChildJvm.stop(broker, Duration.ofMinutes(1));
    }
    assertTrue(Files.readString(brokerLog).contains("broker: stopped"), Files.readString(brokerLog));
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress("127.0.0.1", port)); // the broker is gone with the command
    }
  }

  private static void producerSimulateAndIngest(String bootstrap, Path dir) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<String, TopicDescription> topics = admin.describeTopics(Topics.all().stream().map(Topic::name).toList())
          .allTopicNames().get(30, TimeUnit.SECONDS);
      for (Topic<String, ?> t : Topics.all()) {
        assertEquals(LocalTopics.STREAMS.contains(t) ? 3 : 1, topics.get(t.name()).partitions().size(), t.name());
      }
    }

    Instant t0 = Instant.now();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer())) {
      send(producer, Topics.DOCUMENTS, "d1", new Document("d1", "title", "text of d1", 1L, t0));
      send(producer, Topics.DOCUMENTS, "d2", new Document("d2", "other", "text of d2", 1L, t0));
      send(producer, Topics.IMPRESSIONS, "i1", new Impression("i1", "a query", "q1", "u1", "s1", t0,
          List.of(new ShownResult("d2", 1, 2.0, 1.0, null), new ShownResult("d1", 2, 1.0, 0.5, null)), null, null,
          null));
      send(producer, Topics.CLICKS, "i1", new Click("i1", "d1", 2, t0.plusSeconds(3), 30_000L));
    }

    CliRun simulate = CliRun.run("simulate", "--bootstrap-servers", bootstrap, "--dataset",
        DatasetSlice.write(dir.resolve("slice"), 200, 10).toString(), "--rate", "20", "--duration", "10s",
        "--seed", "7", "--progress-every", "3s");
    assertEquals(0, simulate.code, simulate.err);
    Matcher published = Pattern.compile("stopped; ([\\d,]+) searches, ([\\d,]+) clicks, ([\\d,]+) documents")
        .matcher(simulate.out);
    assertTrue(published.find(), simulate.out);
    assertEquals(200, number(published.group(1)), "20 searches a second for 10 s");
    long clicks = number(published.group(2));
    long documents = number(published.group(3));

    CliRun ingest = CliRun.run("ingest", "--bootstrap-servers", bootstrap, "--option",
        "state.dir=" + dir.resolve("ingest"), "--option", "replication.factor=1", "--progress-every", "2s",
        "--duration", "25s");
    assertEquals(0, ingest.code, ingest.err);
    String expected = String.format("ingest: stopped; %,d input records read, %,d examples, 0 dead letters",
        4 + 200 + clicks + documents, 1 + clicks);
    assertTrue(ingest.out.contains(expected), expected + " in\n" + ingest.out);

    List<TrainingExample> examples = TopicReader.readValues(bootstrap, Topics.TRAINING_EXAMPLES, (int) (1 + clicks));
    assertEquals(1 + clicks, examples.size());
    TrainingExample e = examples.stream().filter(x -> x.getExampleId().startsWith("i1/")).findFirst().orElseThrow();
    assertEquals("i1/d1/" + t0.plusSeconds(3).toEpochMilli(), e.getExampleId());
    assertEquals("text of d1", e.getPositive().getText());
    assertEquals("d2", e.getSkipAbove().get(0).getDocId(), "the result shown above the click is a negative");
  }

  private static long number(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }

  private static <V extends SpecificRecordBase> void send(KafkaProducer<String, byte[]> producer,
      Topic<String, V> topic, String key, V value) throws Exception {
    producer.send(new ProducerRecord<>(topic.name(), key, topic.codec().encode(value))).get(30, TimeUnit.SECONDS);
  }

  private static void awaitTopics(String bootstrap, Process broker, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!broker.isAlive()) {
        throw new AssertionError("broker stopped early (exit " + broker.exitValue() + "): " + Files.readString(log));
      }
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000))) {
        if (admin.listTopics().names().get(3, TimeUnit.SECONDS).containsAll(
            Topics.all().stream().map(Topic::name).toList())) {
          return;
        }
      } catch (Exception notYet) {
        // the broker is still starting
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the broker command did not create the topics in time");
  }

}
