package dev.dualstream.deploy.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The floor ingest is measured against: the same bytes through the same broker under the same
 * transactions, with nothing done to them. One consumer (read committed, a fresh group, from the
 * start) and one transactional producer, as one Kafka Streams thread under {@code exactly_once_v2}
 * has: the producer takes exactly the settings Kafka Streams gives its own ({@link
 * StreamsConfig#getProducerConfigs}: idempotent, acks=all, linger 100 ms, ...), the consumer Kafka
 * Streams' poll size and isolation, and every {@code commitInterval} the consumer's positions go into
 * the open transaction, which commits. Each record's key, value, timestamp and headers go to the same
 * partition of its topic's copy. No decode, no join, no state.
 */
final class RawCopy {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * @param seconds from creating the clients to the last commit
   * @param firstRecordSeconds from creating the clients to the first record polled (the group join)
   * @param records records copied
   * @param transactions transactions committed
   */
  record Result(double seconds, double firstRecordSeconds, long records, long transactions) {}

  private RawCopy() {}

  /**
   * Copies every committed record below {@code ends} of the input partitions to {@code copyOf(topic)},
   * committing every {@code commitInterval}; returns once the last transaction is committed.
   *
   * @param id the consumer group and transactional id; fresh for each run
   */
  static Result run(String bootstrap, Map<TopicPartition, Long> ends, UnaryOperator<String> copyOf, String id,
      Duration commitInterval) {
    List<String> topics = ends.keySet().stream().map(TopicPartition::topic).distinct().toList();
    long start = System.nanoTime();
    long firstRecord = -1;
    long records = 0;
    long transactions = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap, id),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrap, id),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(topics);
      producer.initTransactions();
      producer.beginTransaction();
      long lastCommit = System.nanoTime();
      boolean uncommitted = false;
      while (true) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          producer.send(new ProducerRecord<>(copyOf.apply(r.topic()), r.partition(), r.timestamp(), r.key(),
              r.value(), r.headers()));
          records++;
          uncommitted = true;
        }
        if (firstRecord < 0 && records > 0) {
          firstRecord = System.nanoTime();
        }
        boolean done = done(consumer, ends);
        if (uncommitted && (done || System.nanoTime() - lastCommit >= commitInterval.toNanos())) {
          commit(consumer, producer);
          transactions++;
          uncommitted = false;
          lastCommit = System.nanoTime();
          if (!done) {
            producer.beginTransaction();
          }
        }
        if (done && !uncommitted) {
          break;
        }
        if (System.nanoTime() - start > TIMEOUT.toNanos()) {
          throw new IllegalStateException("the raw copy did not finish within " + TIMEOUT.toMinutes() + " minutes ("
              + records + " records copied)");
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(seconds, firstRecord < 0 ? Double.NaN : (firstRecord - start) / 1e9, records, transactions);
    }
  }

  /** Whether every input partition is assigned and read up to its end. */
  private static boolean done(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
    if (!consumer.assignment().containsAll(ends.keySet())) {
      return false;
    }
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static void commit(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    consumer.assignment().forEach(tp -> offsets.put(tp, new OffsetAndMetadata(consumer.position(tp))));
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
  }

  private static Map<String, Object> consumerConfig(String bootstrap, String group) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-consumer");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
    // Kafka Streams' own default for its consumers (StreamsConfig's consumer overrides).
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    return config;
  }

  /** Kafka Streams' producer settings under exactly_once_v2, with a transactional id of our own. */
  private static Map<String, Object> producerConfig(String bootstrap, String id) {
    Map<String, Object> streams = new HashMap<>();
    streams.put(StreamsConfig.APPLICATION_ID_CONFIG, id);
    streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    Map<String, Object> config = new HashMap<>(new StreamsConfig(streams).getProducerConfigs(id + "-producer"));
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    return config;
  }
}
