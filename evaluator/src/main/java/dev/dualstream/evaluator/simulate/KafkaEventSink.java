package dev.dualstream.evaluator.simulate;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes simulated events with one idempotent producer ({@code acks=all}, lz4, a few ms of
 * linger), so a retried send never duplicates or reorders a record within a partition. Each record
 * carries its event time as the Kafka timestamp. The topics must exist (or the broker must create
 * them). A failed delivery is reported by the next {@link #send} or {@link #flush()}.
 */
public final class KafkaEventSink implements EventSink {
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConnection kafka;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

  private KafkaEventSink(KafkaConnection kafka, Map<String, Object> config) {
    this.kafka = kafka;
    this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** A sink producing to {@code kafka} with the settings above. */
  public static KafkaEventSink connect(KafkaConnection kafka) {
    return connect(kafka, Map.of());
  }

  /** As {@link #connect(KafkaConnection)}, with extra producer settings that override the defaults. */
  public static KafkaEventSink connect(KafkaConnection kafka, Map<String, Object> overrides) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "dualstream-simulator");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    config.putAll(overrides);
    try {
      return new KafkaEventSink(kafka, config);
    } catch (KafkaException e) {
      throw new IllegalArgumentException("cannot create a Kafka producer for " + kafka + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public <V extends SpecificRecordBase> void send(Topic<String, V> topic, String key, V value, long timestampMillis) {
    rethrowFailure();
    byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
    byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
    try {
      producer.send(new ProducerRecord<>(topic.name(), null, timestampMillis, keyBytes, valueBytes),
          (metadata, exception) -> {
            if (exception != null) {
              failure.compareAndSet(null, new IllegalStateException("publishing to " + topic.name() + " at "
                  + kafka + " failed: " + exception.getMessage(), exception));
            }
          });
    } catch (KafkaException e) {
      throw new IllegalStateException("publishing to " + topic.name() + " at " + kafka + " failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void flush() {
    producer.flush();
    rethrowFailure();
  }

  @Override
  public void close() {
    producer.close();
  }

  private void rethrowFailure() {
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }
}
