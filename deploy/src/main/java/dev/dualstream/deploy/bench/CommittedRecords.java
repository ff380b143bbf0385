package dev.dualstream.deploy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Committed records of a topic, as a read-committed consumer sees them. Offsets cannot count them:
 * every transaction leaves a commit marker that takes an offset but is no record, so counting means
 * reading. Used between the benchmark's timed phases only.
 */
final class CommittedRecords {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(200);

  private final KafkaConsumer<byte[], byte[]> consumer;

  private CommittedRecords(String bootstrap) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "dualstream-bench-count");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The last stable offset of every partition of the topics: where committed records end now. */
  static Map<TopicPartition, Long> ends(String bootstrap, List<String> topics) {
    CommittedRecords records = new CommittedRecords(bootstrap);
    try {
      return records.consumer.endOffsets(records.partitions(topics), TIMEOUT);
    } finally {
      records.consumer.close();
    }
  }

  /** Committed records from {@code from} (per partition; a partition not named counts from 0) to the end. */
  static long countFrom(String bootstrap, String topic, Map<TopicPartition, Long> from) {
    CommittedRecords records = new CommittedRecords(bootstrap);
    try {
      return records.count(topic, from);
    } finally {
      records.consumer.close();
    }
  }

  private long count(String topic, Map<TopicPartition, Long> from) {
    List<TopicPartition> partitions = partitions(List.of(topic));
    consumer.assign(partitions);
    partitions.forEach(tp -> consumer.seek(tp, from.getOrDefault(tp, 0L)));
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
    long count = 0;
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
      int polled = consumer.poll(POLL).count();
      count += polled;
      if (polled > 0) {
        deadline = System.nanoTime() + TIMEOUT.toNanos();
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException("reading " + topic + " made no progress for " + TIMEOUT.toSeconds() + " s");
      }
    }
    return count;
  }

  private List<TopicPartition> partitions(List<String> topics) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }
}
