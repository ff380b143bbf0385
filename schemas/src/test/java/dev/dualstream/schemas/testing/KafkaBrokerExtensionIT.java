package dev.dualstream.schemas.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionIT {
  private static final Duration POLL_LIMIT = Duration.ofSeconds(60);
  private static KafkaBroker sharedBroker;

  @BeforeAll
  static void rememberBroker(KafkaBroker broker) {
    sharedBroker = broker;
  }

  @Test
  void everyParameterGetsTheSameBroker(KafkaBroker broker) {
    assertSame(sharedBroker, broker);
    assertTrue(broker.bootstrapServers().startsWith("127.0.0.1:"), broker.bootstrapServers());
  }

  @Test
  void createdTopicsHaveTheirPartitionsAndALeaderEach(KafkaBroker broker) throws Exception {
    String first = uniqueName("fixture-a");
    String second = uniqueName("fixture-b");
    broker.createTopics(3, first, second);
    // Creating again must be a no-op that keeps the original partition count.
    broker.createTopics(5, first);

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Map<String, TopicDescription> topics = admin.describeTopics(List.of(first, second)).allTopicNames().get();
      for (TopicDescription topic : topics.values()) {
        assertEquals(3, topic.partitions().size(), topic.name());
        for (TopicPartitionInfo partition : topic.partitions()) {
          assertEquals(1, partition.leader().id(), topic.name() + "-" + partition.partition());
          assertEquals(1, partition.replicas().size());
        }
      }
    }
  }

  @Test
  void impressionsRoundTripThroughTheContractSerdes(KafkaBroker broker) throws Exception {
    Topic<String, Impression> topic = Topics.IMPRESSIONS;
    broker.createTopics(2, topic);
    List<Impression> sent = impressions(new Random(42), 20);

    Map<TopicPartition, Map<Long, Impression>> expected = produce(broker, topic, sent);
    Map<TopicPartition, Map<Long, Impression>> received = consume(broker, topic, expected);

    assertEquals(expected, received);
    assertEquals(sent.size(), size(expected));
  }

  private static Map<TopicPartition, Map<Long, Impression>> produce(
      KafkaBroker broker, Topic<String, Impression> topic, List<Impression> records)
      throws InterruptedException, ExecutionException {
    Map<String, Object> config = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all");
    Map<TopicPartition, Map<Long, Impression>> written = new HashMap<>();
    try (KafkaProducer<String, Impression> producer =
        new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (Impression impression : records) {
        acks.add(producer.send(new ProducerRecord<>(topic.name(), impression.getImpressionId(), impression)));
      }
      for (int i = 0; i < acks.size(); i++) {
        RecordMetadata metadata = acks.get(i).get();
        written.computeIfAbsent(new TopicPartition(metadata.topic(), metadata.partition()), p -> new HashMap<>())
            .put(metadata.offset(), records.get(i));
      }
    }
    return written;
  }

  /** Reads back exactly the offsets written, so other tests sharing the topic cannot interfere. */
  private static Map<TopicPartition, Map<Long, Impression>> consume(
      KafkaBroker broker, Topic<String, Impression> topic, Map<TopicPartition, Map<Long, Impression>> expected) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<TopicPartition, Map<Long, Impression>> read = new HashMap<>();
    try (KafkaConsumer<String, Impression> consumer =
        new KafkaConsumer<>(config, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      Set<TopicPartition> partitions = expected.keySet();
      consumer.assign(partitions);
      partitions.forEach(p -> consumer.seek(p, expected.get(p).keySet().stream().min(Long::compare).orElseThrow()));
      long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
      int total = size(expected);
      while (size(read) < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, Impression> record : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          if (expected.get(partition).containsKey(record.offset())) {
            assertEquals(record.value().getImpressionId(), record.key());
            read.computeIfAbsent(partition, p -> new HashMap<>()).put(record.offset(), record.value());
          }
        }
      }
    }
    return read;
  }

  private static int size(Map<TopicPartition, Map<Long, Impression>> records) {
    return records.values().stream().mapToInt(Map::size).sum();
  }

  private static List<Impression> impressions(Random random, int count) {
    List<Impression> impressions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<ShownResult> results = new ArrayList<>();
      for (int position = 1; position <= 3; position++) {
        results.add(ShownResult.newBuilder()
            .setDocId("doc-" + random.nextInt(1000))
            .setPosition(position)
            .setScore(random.nextDouble())
            .setPropensity(1.0 / position)
            .build());
      }
      impressions.add(Impression.newBuilder()
          .setImpressionId("imp-" + i)
          .setQuery("query " + random.nextInt(100))
          .setQueryId(i % 2 == 0 ? null : "q" + i)
          .setUserId("user-" + random.nextInt(10))
          .setSessionId("session-" + random.nextInt(10))
          .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L + i))
          .setResults(results)
          .build());
    }
    return impressions;
  }

  private static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }
}
