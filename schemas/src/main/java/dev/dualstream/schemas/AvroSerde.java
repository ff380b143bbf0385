package dev.dualstream.schemas;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde over an {@link AvroCodec}. A null value serializes to null (a tombstone) and a null
 * payload deserializes to null, as Kafka expects; bad bytes raise {@link RecordDecodeException}.
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T> {
  private final AvroCodec<T> codec;

  public AvroSerde(AvroCodec<T> codec) {
    this.codec = codec;
  }

  public AvroCodec<T> codec() {
    return codec;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : codec.encode(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
  }
}
