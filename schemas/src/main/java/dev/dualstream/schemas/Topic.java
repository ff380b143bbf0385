package dev.dualstream.schemas;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic of the contract: its name, key serde and Avro value type. The only place a topic name
 * is written; everyone else refers to a constant in {@link Topics}.
 */
public record Topic<K, V extends SpecificRecordBase>(String name, Serde<K> keySerde, AvroSerde<V> valueSerde) {

  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
  }

  public Class<V> valueType() {
    return valueSerde.codec().type();
  }

  public AvroCodec<V> codec() {
    return valueSerde.codec();
  }

  /** Serde as Kafka Streams wants it (typed as the plain {@link Serde}). */
  public Serde<V> valueSerdeAsSerde() {
    return valueSerde;
  }

  /** Flink deserialization schema for this topic's values. */
  public DeserializationSchema<V> flinkDeserializer() {
    return new AvroFlinkSchema<>(valueType());
  }

  /** Flink serialization schema for this topic's values. */
  public SerializationSchema<V> flinkSerializer() {
    return new AvroFlinkSchema<>(valueType());
  }

  @Override
  public String toString() {
    return name + "<" + valueType().getSimpleName() + ">";
  }
}
