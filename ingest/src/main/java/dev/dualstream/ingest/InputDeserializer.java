package dev.dualstream.ingest;

import dev.dualstream.schemas.RecordDecodeException;
import dev.dualstream.schemas.Topic;
import java.util.function.ToLongFunction;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes an input topic's values into {@link Input}s and never throws: a value that cannot be decoded
 * becomes a rejected input carrying the reason, so that it ends as exactly one dead letter rather than a
 * stream thread failure (Kafka Streams' deserialization handlers could only log and skip it, or stop).
 */
final class InputDeserializer<V extends SpecificRecordBase> implements Deserializer<Input<V>> {
  private final Topic<String, V> topic;
  private final ToLongFunction<V> eventTime;
  private final boolean tombstones;

  /**
   * @param eventTime reads the event time (epoch millis) from a decoded value
   * @param tombstones whether a null value is a valid record (a deletion) rather than bad input
   */
  InputDeserializer(Topic<String, V> topic, ToLongFunction<V> eventTime, boolean tombstones) {
    this.topic = topic;
    this.eventTime = eventTime;
    this.tombstones = tombstones;
  }

  @Override
  public Input<V> deserialize(String topicName, byte[] data) {
    if (data == null && tombstones) {
      return Input.tombstone();
    }
    try {
      V value = topic.codec().decode(data);
      return Input.accepted(data, value, eventTime.applyAsLong(value));
    } catch (RecordDecodeException e) {
      return Input.rejected(data, e.getClass().getSimpleName(), e.getMessage());
    } catch (RuntimeException e) {
      // The codec wraps what Avro throws; this is a last guard so that no input can stop the stage.
      return Input.rejected(data, e.getClass().getSimpleName(),
          "cannot read " + topic.valueType().getSimpleName() + ": " + e);
    }
  }
}
