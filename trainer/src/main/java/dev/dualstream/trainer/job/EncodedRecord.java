package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topic;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A record ready for Kafka: key and value already encoded with the topic's serdes. Operators emit
 * these rather than Avro objects, so Flink moves plain bytes between operators (a POJO with an
 * efficient serializer) and the sinks write them as they are.
 */
public final class EncodedRecord {
  public byte[] key;
  public byte[] value;

  public EncodedRecord() {}

  EncodedRecord(byte[] key, byte[] value) {
    this.key = key;
    this.value = value;
  }

  /** Encodes {@code value} for {@code topic} under a string key. */
  static <V extends SpecificRecordBase> EncodedRecord of(Topic<String, V> topic, String key, V value) {
    return new EncodedRecord(key == null ? null : key.getBytes(StandardCharsets.UTF_8), topic.codec().encode(value));
  }
}
