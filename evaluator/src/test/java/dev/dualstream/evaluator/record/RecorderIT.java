package dev.dualstream.evaluator.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.record.RecordingFormat.KafkaRecord;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The recorder and the replayer against a real broker, and a recorder killed with {@code kill -9}. */
@ExtendWith(KafkaBrokerExtension.class)
class RecorderIT {
  /** Bounds so a broken broker fails a test instead of hanging it; not timing assertions. */
  private static final Duration LIMIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  /**
   * Committed transactions are recorded whole, an aborted one not at all, each partition in offset order, in
   * files that Avro's own generic reader reads with nothing of ours; replayed into other topics, every record
   * arrives in the same partition with the same key, value, headers and timestamp, in the same order.
   */
  @Test
  void recordsEveryCommittedRecordOnceAndReplaysThemAsTheyWere(KafkaBroker broker) throws Exception {
    String topic = "rec-" + UUID.randomUUID();
    broker.createTopics(3, topic);
    Properties tx = producerProperties(broker);
    tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rec-" + UUID.randomUUID());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(tx)) {
      producer.initTransactions();
      send(producer, topic, "kept-a", 300);
      producer.commitTransaction();
      send(producer, topic, "aborted", 50);
      producer.abortTransaction();
      send(producer, topic, "kept-b", 100);
      producer.commitTransaction();
    }
    List<ConsumerRecord<byte[], byte[]>> expected = consume(broker, topic, 400);

    Recorder recorder = Recorder.open(dir, new Recorder.Rotation(1 << 10, Duration.ofMinutes(5)));
    Properties smallPolls = new Properties();
    smallPolls.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
    Recorder.Progress progress = recorder.run(broker.connection(), List.of(topic), smallPolls, true,
        () -> false, p -> { });
    assertTrue(progress.caughtUp());
    assertEquals(400, progress.records());
    assertTrue(progress.filesFinished() > 1, "files rotate by size: " + progress.filesFinished());

    List<GenericRecord> plain = new ArrayList<>();
    for (Path file : Recorder.finished(dir)) {
      try (DataFileReader<GenericRecord> reader = new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
        reader.forEach(plain::add);
      }
    }
    assertEquals(400, plain.size());
    assertSameRecords(expected, plain.stream().map(RecordingFormat::fromAvro).toList());
    assertTrue(plain.stream().noneMatch(r -> new String(bytes(r.get("value")), StandardCharsets.UTF_8)
        .startsWith("aborted")), "no record of the aborted transaction");

    // A second run has nothing new to record.
    Recorder again = Recorder.open(dir, Recorder.Rotation.defaults());
    assertEquals(0, again.run(broker.connection(), List.of(topic), new Properties(), true, () -> false,
        p -> { }).records());

    // Targets that cannot take the recording are refused before anything is sent, all of them at once.
    String missing = "missing-" + UUID.randomUUID() + "-";
    IllegalArgumentException none = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Replayer.replay(dir, broker.connection(), new Replayer.Options(0, missing),
            () -> false, p -> { }));
    assertTrue(none.getMessage().contains(missing + topic + "=does not exist; create it with at least 3 partitions"),
        none.getMessage());
    String narrow = "narrow-" + UUID.randomUUID() + "-";
    broker.createTopics(1, narrow + topic);
    IllegalArgumentException few = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Replayer.replay(dir, broker.connection(), new Replayer.Options(0, narrow),
            () -> false, p -> { }));
    assertTrue(few.getMessage().contains("has 1 partition, the recording needs 3"), few.getMessage());

    String prefix = "replayed-" + UUID.randomUUID() + "-";
    broker.createTopics(3, prefix + topic);
    List<Replayer.Progress> seen = new ArrayList<>();
    long sent = Replayer.replay(dir, broker.connection(), new Replayer.Options(0, prefix),
        () -> false, seen::add);
    assertEquals(400, sent);
    assertEquals(400, seen.get(seen.size() - 1).total());
    List<ConsumerRecord<byte[], byte[]>> replayed = consume(broker, prefix + topic, 400);
    assertEquals(perPartition(expected, false), perPartition(replayed, false),
        "every record in its partition, in order, with its key, value, headers and timestamp");
  }

  /**
   * A recorder in its own process is killed with {@code kill -9} while records stream in, the tail of its open
   * file torn off as a crash may leave it; a new one resumes from the files alone and, once the producer is
   * done, the recording holds every record of every partition exactly once.
   */
  @Test
  void aRecorderKilledMidStreamLosesAndRepeatsNothing(KafkaBroker broker) throws Exception {
    String topic = "kill-" + UUID.randomUUID();
    broker.createTopics(2, topic);
    int total = 6000;
    Thread producing = new Thread(() -> {
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(broker))) {
        for (int i = 0; i < total; i++) {
          producer.send(new ProducerRecord<>(topic, i % 2, key(i), ("value-" + i).getBytes(StandardCharsets.UTF_8)));
          if (i % 100 == 99) {
            producer.flush();
            Thread.sleep(150);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    producing.start();
    Process first = child(broker, topic, false);
    try {
      Instant deadline = Instant.now().plus(LIMIT);
      while (Recorder.finished(dir).size() < 3 || inProgress().isEmpty()) {
        assertTrue(first.isAlive() && Instant.now().isBefore(deadline), "the recorder writes files");
        Thread.sleep(50);
      }
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    } finally {
      first.destroyForcibly();
    }
    assertTrue(producing.isAlive(), "killed while records still stream in");
    List<Path> partial = inProgress();
    for (Path p : partial) {
      try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
        f.setLength(Math.max(0, f.length() - 37));
      }
    }
    producing.join(LIMIT.toMillis());
    assertFalse(producing.isAlive());

    Process second = child(broker, topic, true);
    try {
      assertTrue(second.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "the second recorder catches up");
      assertEquals(0, second.exitValue(), new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      second.destroyForcibly();
    }
    assertTrue(inProgress().isEmpty());
    Map<Integer, List<Long>> offsets = new HashMap<>();
    Map<Integer, List<String>> values = new HashMap<>();
    for (Path file : Recorder.finished(dir)) {
      try (DataFileReader<GenericRecord> reader = Recorder.reader(file)) {
        for (GenericRecord r : reader) {
          KafkaRecord k = RecordingFormat.fromAvro(r);
          offsets.computeIfAbsent(k.partition(), p -> new ArrayList<>()).add(k.offset());
          values.computeIfAbsent(k.partition(), p -> new ArrayList<>()).add(new String(k.value(), StandardCharsets.UTF_8));
        }
      }
    }
    for (int p = 0; p < 2; p++) {
      List<Long> got = offsets.get(p);
      assertEquals(total / 2, got.size(), "partition " + p + ": every record once");
      for (int i = 0; i < got.size(); i++) {
        assertEquals(i, got.get(i), "partition " + p + ": offsets without gap or repeat");
        assertEquals("value-" + (2 * i + p), values.get(p).get(i));
      }
    }
  }

  private Process child(KafkaBroker broker, String topic, boolean untilCaughtUp) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        RecordingChild.class.getName(), broker.bootstrapServers(), topic, dir.toString()));
    if (untilCaughtUp) {
      command.add("caught-up");
    }
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private List<Path> inProgress() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> p.toString().endsWith(RecordingFormat.IN_PROGRESS)).toList();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String prefix, int n) {
    if (prefix.equals("kept-a") || prefix.equals("aborted") || prefix.equals("kept-b")) {
      producer.beginTransaction();
    }
    for (int i = 0; i < n; i++) {
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, i % 3, 1_700_000_000_000L + i,
          i % 7 == 0 ? null : key(i), (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
      record.headers().add(new RecordHeader("source", prefix.getBytes(StandardCharsets.UTF_8)));
      record.headers().add(new RecordHeader("empty", null));
      producer.send(record);
    }
  }

  private static byte[] key(int i) {
    return ("key-" + i).getBytes(StandardCharsets.UTF_8);
  }

  private static Properties producerProperties(KafkaBroker broker) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  private static List<ConsumerRecord<byte[], byte[]>> consume(KafkaBroker broker, String topic, int count) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plus(LIMIT);
      while (out.size() < count) {
        assertTrue(Instant.now().isBefore(deadline), "read " + out.size() + " of " + count);
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static void assertSameRecords(List<ConsumerRecord<byte[], byte[]>> expected, List<KafkaRecord> recorded) {
    Map<Integer, List<String>> want = perPartition(expected, true);
    Map<Integer, List<String>> got = new HashMap<>();
    for (KafkaRecord r : recorded) {
      StringBuilder headers = new StringBuilder();
      r.headers().forEach(h -> headers.append(h.key()).append('=').append(text(h.value())).append(';'));
      got.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset() + "|" + r.timestamp() + "|"
          + text(r.key()) + "|" + text(r.value()) + "|" + headers);
    }
    assertEquals(want, got);
  }

  private static Map<Integer, List<String>> perPartition(List<ConsumerRecord<byte[], byte[]>> records,
      boolean withOffsets) {
    Map<Integer, List<String>> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      StringBuilder headers = new StringBuilder();
      r.headers().forEach(h -> headers.append(h.key()).append('=').append(text(h.value())).append(';'));
      out.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add((withOffsets ? r.offset() + "|" : "")
          + r.timestamp() + "|" + text(r.key()) + "|" + text(r.value()) + "|" + headers);
    }
    return out;
  }

  private static String text(byte[] b) {
    return b == null ? "<null>" : new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(Object o) {
    java.nio.ByteBuffer b = ((java.nio.ByteBuffer) o).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
