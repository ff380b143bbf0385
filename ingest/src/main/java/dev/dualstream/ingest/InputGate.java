package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.SourceOffset;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What every input record passes first: dead-letters what {@link InputDeserializer} or {@link
 * EventTimeExtractor} rejected, what has no key, and what fails its {@link InputChecks}; lets every valid
 * record through as a {@link Stored}, keyed by its decoded key.
 */
final class InputGate<V extends SpecificRecordBase> {
  private final Topic<String, V> topic;
  private final String keyName;
  private final InputChecks.Check<V> check;

  /** @param keyName what the topic's key is (for the reason of a record without one) */
  InputGate(Topic<String, V> topic, String keyName, InputChecks.Check<V> check) {
    this.topic = topic;
    this.keyName = keyName;
    this.check = check;
  }

  /** A valid record, a tombstone, or nothing (after dead-lettering the record). */
  sealed interface Admitted<V> permits Valid, Tombstone, Refused {}

  record Valid<V>(Stored stored, V value) implements Admitted<V> {}

  record Tombstone<V>(String key) implements Admitted<V> {}

  record Refused<V>() implements Admitted<V> {}

  @SuppressWarnings("unchecked")
  Admitted<V> admit(Record<byte[], ?> record, RecordMetadata meta, DeadLetters deadLetters) {
    SourceOffset source = new SourceOffset(meta.topic(), meta.partition(), meta.offset());
    Input<V> input = (Input<V>) record.value();
    byte[] raw = input == null ? null : input.raw;
    String why = null;
    String errorClass = DeadLetters.INVALID;
    if (record.key() == null || record.key().length == 0) {
      why = topic.valueType().getSimpleName() + " with a " + (record.key() == null ? "null" : "empty") + " key; "
          + topic.name() + " records must be keyed by " + keyName;
    } else if (input == null) {
      why = "no value";
    } else if (input.isRejected()) {
      errorClass = input.errorClass();
      why = input.reason();
    }
    if (why != null) {
      deadLetters.send(source, record.key(), raw, record.timestamp(), record.headers(), errorClass, why);
      return new Refused<>();
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (input.isTombstone()) {
      return new Tombstone<>(key);
    }
    String problem = check.problem(key, input.value);
    if (problem != null) {
      deadLetters.send(source, record.key(), raw, record.timestamp(), record.headers(), DeadLetters.INVALID, problem);
      return new Refused<>();
    }
    return new Valid<>(new Stored(key, raw, meta.topic(), meta.partition(), meta.offset(), input.eventTime), input.value);
  }
}
