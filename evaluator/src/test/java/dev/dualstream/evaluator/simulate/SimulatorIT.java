package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.testing.RecordingSink;
import dev.dualstream.evaluator.testing.TinyDatasets;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The simulator publishes exactly the events of its in-memory run to a real broker. */
@ExtendWith(KafkaBrokerExtension.class)
class SimulatorIT {
  /** A bound so a broken broker fails the test instead of hanging it; not a timing assertion. */
  private static final Duration READ_LIMIT = Duration.ofSeconds(90);

  private final BeirDataset dataset = TinyDatasets.packages();

  @Test
  void publishesDocumentsImpressionsAndClicksWithEventTimestamps(KafkaBroker broker) {
    List<Topic<String, ?>> topics = List.of(Topics.DOCUMENTS, Topics.IMPRESSIONS, Topics.CLICKS);
    broker.createTopics(3, Topics.DOCUMENTS, Topics.IMPRESSIONS, Topics.CLICKS);
    // The broker is shared by the JVM's tests: read only what this test adds.
    Map<TopicPartition, Long> before = endOffsets(broker, topics);

    SimulationConfig config = SimulationConfig.defaults(2024, 150).withProgressEvery(50);
    List<SimulationResult> progress = new ArrayList<>();
    SimulationResult result = ClickSimulator.publish(dataset, broker.connection(), config, progress::add);

    RecordingSink expected = new RecordingSink();
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      assertEquals(result, simulator.run(expected, SimulationProgress.none()));
    }
    assertEquals(20, result.documents());
    assertEquals(150, result.impressions());
    assertTrue(result.clicks() > 0);
    assertEquals(result, progress.get(progress.size() - 1));

    List<RecordingSink.Sent> published = read(broker, topics, before);
    assertEquals(result.events(), published.size());
    assertEquals(sorted(expected.sent()), sorted(published));
  }

  private static List<RecordingSink.Sent> read(KafkaBroker broker, List<Topic<String, ?>> topics,
      Map<TopicPartition, Long> from) {
    Map<TopicPartition, Long> to = endOffsets(broker, topics);
    Map<String, Topic<String, ?>> byName = new HashMap<>();
    topics.forEach(t -> byName.put(t.name(), t));
    List<RecordingSink.Sent> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker)) {
      consumer.assign(to.keySet());
      from.forEach(consumer::seek);
      Instant deadline = Instant.now().plus(READ_LIMIT);
      while (!reached(consumer, to)) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("published records not readable within " + READ_LIMIT);
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          Topic<String, ?> topic = byName.get(record.topic());
          String key = topic.keySerde().deserializer().deserialize(record.topic(), record.key());
          SpecificRecordBase value = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
          records.add(new RecordingSink.Sent(record.topic(), key, value, record.timestamp()));
        }
      }
    }
    return records;
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> to) {
    for (Map.Entry<TopicPartition, Long> end : to.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static Map<TopicPartition, Long> endOffsets(KafkaBroker broker, List<Topic<String, ?>> topics) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Topic<String, ?> topic : topics) {
        consumer.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      return new HashMap<>(consumer.endOffsets(partitions));
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(KafkaBroker broker) {
    return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Order across partitions is not defined, so compare in one canonical order. */
  private static List<RecordingSink.Sent> sorted(List<RecordingSink.Sent> records) {
    List<RecordingSink.Sent> copy = new ArrayList<>(records);
    copy.sort(Comparator.comparing(RecordingSink.Sent::topic).thenComparingLong(RecordingSink.Sent::timestamp)
        .thenComparing(RecordingSink.Sent::key).thenComparing(s -> s.value().toString()));
    return copy;
  }
}
