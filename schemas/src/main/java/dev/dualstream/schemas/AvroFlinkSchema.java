package dev.dualstream.schemas;

import java.io.IOException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;

/**
 * Flink (de)serialization schema for a topic's values. Holds only the class, so it serializes with
 * the job graph; the codec is rebuilt on the task side.
 *
 * <p>The produced type is a generic (Kryo) type on purpose: Flink's {@code AvroTypeInfo} requires the
 * generated classes to be POJOs, which Avro's snake_case fields with camelCase accessors are not. Jobs
 * that move many records between operators should move their encoded bytes instead.
 */
final class AvroFlinkSchema<T extends SpecificRecordBase>
    implements DeserializationSchema<T>, SerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private transient AvroCodec<T> codec;

  AvroFlinkSchema(Class<T> type) {
    this.type = type;
  }

  private AvroCodec<T> codec() {
    if (codec == null) {
      codec = Topics.codecFor(type);
    }
    return codec;
  }

  @Override
  public T deserialize(byte[] message) throws IOException {
    return codec().decode(message);
  }

  @Override
  public boolean isEndOfStream(T nextElement) {
    return false;
  }

  @Override
  public byte[] serialize(T element) {
    return codec().encode(element);
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return new GenericTypeInfo<>(type);
  }
}
