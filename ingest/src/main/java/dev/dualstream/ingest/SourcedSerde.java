package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Store format for {@link Sourced} records in the join's window stores (and their changelogs): a format
 * byte, partition, offset, topic, key and the original value bytes, which are decoded again on read. Keeping
 * the original bytes rather than a re-encoding means a dead letter written after a join carries exactly what
 * the producer sent.
 */
final class SourcedSerde<V extends SpecificRecordBase> implements Serde<Sourced<V>> {
  private static final byte FORMAT = 1;
  private final Topic<String, V> topic;

  SourcedSerde(Topic<String, V> topic) {
    this.topic = topic;
  }

  @Override
  public Serializer<Sourced<V>> serializer() {
    return (t, s) -> {
      if (s == null) {
        return null;
      }
      byte[] topicName = s.topic().getBytes(StandardCharsets.UTF_8);
      byte[] key = s.key().getBytes(StandardCharsets.UTF_8);
      ByteBuffer out = ByteBuffer.allocate(1 + 4 + 8 + 3 * 4 + topicName.length + key.length + s.rawValue().length);
      out.put(FORMAT).putInt(s.partition()).putLong(s.offset());
      out.putInt(topicName.length).put(topicName);
      out.putInt(key.length).put(key);
      out.putInt(s.rawValue().length).put(s.rawValue());
      return out.array();
    };
  }

  @Override
  public Deserializer<Sourced<V>> deserializer() {
    return (t, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer in = ByteBuffer.wrap(bytes);
      byte format = in.get();
      if (format != FORMAT) {
        throw new SerializationException("stored " + topic.valueType().getSimpleName() + " has format " + format
            + "; this version reads format " + FORMAT);
      }
      int partition = in.getInt();
      long offset = in.getLong();
      String topicName = new String(chunk(in), StandardCharsets.UTF_8);
      String key = new String(chunk(in), StandardCharsets.UTF_8);
      byte[] raw = chunk(in);
      return new Sourced<>(topic.codec().decode(raw), key, raw, topicName, partition, offset);
    };
  }

  private static byte[] chunk(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b;
  }
}
