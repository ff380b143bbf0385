/**
 * The topic contract: one {@link dev.dualstream.schemas.Topic} per Kafka topic, with the Avro value type,
 * Kafka serdes and Flink (de)serialization schemas. Values use Avro single-object encoding, so every
 * record names the schema that wrote it and a reader rejects an unknown one with a clear error.
 */
package dev.dualstream.schemas;
