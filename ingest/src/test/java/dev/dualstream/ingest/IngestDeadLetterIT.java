package dev.dualstream.ingest;

import static dev.dualstream.ingest.TestRecords.click;
import static dev.dualstream.ingest.TestRecords.document;
import static dev.dualstream.ingest.TestRecords.impression;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stage against a real broker with exactly-once: malformed, unknown-schema and otherwise bad
 * records on every input, mixed with valid ones, some sent before the stage starts and some while it runs.
 * Every bad record must appear once in deadletter.ingest with its reason and source offset, and every
 * valid click exactly one training example (read committed).
 */
@ExtendWith(KafkaBrokerExtension.class)
class IngestDeadLetterIT {
  private static final int PARTITIONS = 2;
  private static final int DOCS = 20;
  private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(20));

  private final Random random = new Random(20260105L);
  /** Source offset of every bad record sent, with the start of the reason it must be dead-lettered with. */
  private final Map<SourceOffset, String> expectedDeadLetters = new HashMap<>();
  private final List<String> expectedExamples = new ArrayList<>();

  @Test
  @Timeout(240)
  void everyBadRecordIsDeadLetteredOnceAndEveryValidClickYieldsOneExample(KafkaBroker broker, @TempDir Path stateDir)
      throws Exception {
    broker.createTopics(PARTITIONS, Topics.IMPRESSIONS, Topics.CLICKS, Topics.DOCUMENTS, Topics.TRAINING_EXAMPLES,
        Topics.DEADLETTER_INGEST);
    IngestOptions options = IngestOptions.builder().applicationId("ingest-it").replicationFactor(1)
        .stateDir(stateDir).documentWait(Duration.ofSeconds(2)).build();
    try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
      sendDocumentsAndBadDocuments(producer);
      sendImpressionsAndClicks(producer, 0, 30);
      try (RunningIngest ingest = IngestApp.start(options, broker.connection())) {
        assertTrue(ingest.awaitCaughtUp(Duration.ofSeconds(120)), "caught up with the records sent before start");
        sendImpressionsAndClicks(producer, 30, 60);
        assertTrue(ingest.awaitCaughtUp(Duration.ofSeconds(60)), "caught up with the records sent while running");
        assertEquals(0, ingest.lag());

        Map<SourceOffset, List<DeadLetter>> deadLetters = new HashMap<>();
        for (ConsumerRecord<String, DeadLetter> r : readAll(broker, Topics.DEADLETTER_INGEST)) {
          deadLetters.computeIfAbsent(r.value().getSource(), s -> new ArrayList<>()).add(r.value());
        }
        assertEquals(new TreeMap<>(Map.of()), sorted(missingOrWrong(deadLetters)), "dead letters");

        Map<String, Integer> examples = new HashMap<>();
        for (ConsumerRecord<String, TrainingExample> r : readAll(broker, Topics.TRAINING_EXAMPLES)) {
          examples.merge(r.value().getExampleId(), 1, Integer::sum);
          assertTrue(r.value().getExampleId().startsWith(r.key() + "/"), "keyed by impression id: " + r.key());
        }
        Map<String, Integer> expected = new HashMap<>();
        expectedExamples.forEach(id -> expected.put(id, 1));
        assertEquals(new TreeMap<>(expected), new TreeMap<>(examples), "exactly one example per valid click");
        IngestCounts counts = ingest.counts();
        assertTrue(counts.examples() >= expectedExamples.size() && counts.deadLetters() >= expectedDeadLetters.size(),
            "counters count at least the committed output: " + counts);
      }
    }
  }

  private void sendDocumentsAndBadDocuments(KafkaProducer<byte[], byte[]> producer) throws Exception {
    for (int d = 0; d < DOCS; d++) {
      send(producer, Topics.DOCUMENTS, "d" + d, TestRecords.bytes(document("d" + d, 1)), null);
      if (d % 5 == 0) {
        sendBad(producer, Topics.DOCUMENTS, "d" + d, "Document");
      }
    }
    send(producer, Topics.DOCUMENTS, null, null, "Document with a null key");
    send(producer, Topics.DOCUMENTS, "d3", TestRecords.bytes(document("d4", 1)), "key 'd3' does not match doc_id 'd4'");
  }

  /** Impressions {@code from..to-1}, each with clicks; every fifth impression id also gets bad records. */
  private void sendImpressionsAndClicks(KafkaProducer<byte[], byte[]> producer, int from, int to) throws Exception {
    for (int n = from; n < to; n++) {
      String id = "imp-" + n;
      Instant shown = BASE.plusSeconds(n);
      String[] docs = {"d" + random.nextInt(DOCS), "d" + (DOCS + n), "d" + random.nextInt(DOCS)};
      byte[] impression = TestRecords.bytes(impression(id, shown, docs));
      byte[] valid = TestRecords.bytes(click(id, docs[2], 3, shown.plusSeconds(30)));
      boolean clickFirst = n % 3 == 0;
      if (clickFirst) {
        send(producer, Topics.CLICKS, id, valid, null);
      }
      send(producer, Topics.IMPRESSIONS, id, impression, null);
      if (!clickFirst) {
        send(producer, Topics.CLICKS, id, valid, null);
      }
      expectedExamples.add(id + "/" + docs[2] + "/" + shown.plusSeconds(30).toEpochMilli());
      if (n % 4 == 0) {
        send(producer, Topics.CLICKS, id, valid, null);
      }
      if (n % 5 == 0) {
        sendBad(producer, Topics.IMPRESSIONS, id, "Impression");
        sendBad(producer, Topics.CLICKS, id, "Click");
        send(producer, Topics.CLICKS, id, TestRecords.bytes(click(id, docs[1], 2, shown.plusSeconds(40))),
            "unknown document " + docs[1]);
        send(producer, Topics.CLICKS, id, TestRecords.bytes(click(id, "never-shown", 9, shown.plusSeconds(50))),
            "clicked doc never-shown was not among the 3 results shown in impression " + id);
      }
    }
    producer.flush();
  }

  private void sendBad(KafkaProducer<byte[], byte[]> producer, Topic<String, ?> topic, String key, String type)
      throws Exception {
    send(producer, topic, key, TestRecords.malformed(), "not a single-object encoded " + type);
    send(producer, topic, key, TestRecords.unknownSchema(), "unknown writer schema fingerprint 0123456789abcdef");
    send(producer, topic, key, TestRecords.corruptBody(topic.codec().fingerprint()), "corrupt " + type + " body");
    if (topic != Topics.DOCUMENTS) {
      send(producer, topic, key, null, "null value where a " + type + " was expected");
    }
  }

  /** Sends one record; a non-null {@code deadLetterReason} marks it as one that must be dead-lettered. */
  private void send(KafkaProducer<byte[], byte[]> producer, Topic<String, ?> topic, String key, byte[] value,
      String deadLetterReason) throws ExecutionException, InterruptedException {
    RecordMetadata m = producer.send(new ProducerRecord<>(topic.name(), TestRecords.utf8(key), value)).get();
    if (deadLetterReason != null) {
      expectedDeadLetters.put(new SourceOffset(m.topic(), m.partition(), m.offset()), deadLetterReason);
    }
  }

  /** Dead letters missing, duplicated, unexpected or with another reason than expected, with what was found. */
  private Map<SourceOffset, String> missingOrWrong(Map<SourceOffset, List<DeadLetter>> found) {
    Map<SourceOffset, String> wrong = new HashMap<>();
    expectedDeadLetters.forEach((source, reason) -> {
      List<DeadLetter> letters = found.getOrDefault(source, List.of());
      if (letters.size() != 1 || !letters.get(0).getReason().startsWith(reason)
          || !letters.get(0).getStage().equals("ingest")) {
        wrong.put(source, "expected once '" + reason + "', found " + letters);
      }
    });
    found.forEach((source, letters) -> {
      if (!expectedDeadLetters.containsKey(source)) {
        wrong.put(source, "unexpected " + letters);
      }
    });
    return wrong;
  }

  private static TreeMap<String, String> sorted(Map<SourceOffset, String> m) {
    TreeMap<String, String> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k.getTopic() + "/" + k.getPartition() + "@" + k.getOffset(), v));
    return out;
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Everything committed on a topic, read to the end of every partition. */
  private static <V extends org.apache.avro.specific.SpecificRecordBase> List<ConsumerRecord<String, V>> readAll(
      KafkaBroker broker, Topic<String, V> topic) {
    Deserializer<V> values = topic.valueSerde().deserializer();
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          V value = values.deserialize(r.topic(), r.value());
          out.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), value));
        }
      }
    }
    return out;
  }
}
