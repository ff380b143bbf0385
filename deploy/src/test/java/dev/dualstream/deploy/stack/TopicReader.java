package dev.dualstream.deploy.stack;

import dev.dualstream.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads a topic from the beginning with a fresh consumer group, for assertions in broker tests. */
public final class TopicReader {
  private static final Duration LIMIT = Duration.ofSeconds(60);

  private TopicReader() {}

  /** Committed values (read_committed) in partition order, once {@code expected} arrived or after 60 s with what did. */
  public static <V extends SpecificRecordBase> List<V> readValues(String bootstrapServers, Topic<String, V> topic, int expected) {
    return readValues(bootstrapServers, topic, expected, LIMIT);
  }

  /** Committed values in partition order, once {@code expected} arrived or after {@code limit} with what did. */
  public static <V extends SpecificRecordBase> List<V> readValues(String bootstrapServers, Topic<String, V> topic,
      int expected, Duration limit) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<V> values = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(config, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      consumer.subscribe(List.of(topic.name()));
      long deadline = System.nanoTime() + limit.toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }
}
