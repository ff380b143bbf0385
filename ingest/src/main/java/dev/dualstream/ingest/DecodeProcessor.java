package dev.dualstream.ingest;

import dev.dualstream.schemas.RecordDecodeException;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.SourceOffset;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The first step of every input: keys and values arrive as bytes and are decoded here rather than by a
 * source serde, so that a record that cannot be decoded or checked becomes exactly one dead letter (with
 * the source offset and the reason) instead of a stream thread failure. Valid records go on as {@link
 * Sourced} values keyed by the decoded key.
 */
final class DecodeProcessor<V extends SpecificRecordBase> extends ContextualProcessor<byte[], byte[], Object, Object> {
  private final Topic<String, V> topic;
  private final String keyName;
  private final InputChecks.Check<V> check;
  private final boolean tombstones;
  private final String validChild;
  private final IngestCounters counters;

  /**
   * @param keyName what the topic's key is (for the reason of a record without one)
   * @param tombstones whether a null value with a good key is a valid record (a deletion) rather than bad input
   * @param validChild where valid records go; null drops them (the document check only dead-letters)
   */
  DecodeProcessor(Topic<String, V> topic, String keyName, InputChecks.Check<V> check, boolean tombstones,
      String validChild, IngestCounters counters) {
    this.topic = topic;
    this.keyName = keyName;
    this.check = check;
    this.tombstones = tombstones;
    this.validChild = validChild;
    this.counters = counters;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    counters.inputRecords.increment();
    RecordMetadata meta = context().recordMetadata().orElseThrow();
    SourceOffset source = new SourceOffset(meta.topic(), meta.partition(), meta.offset());
    String what = topic.valueType().getSimpleName();
    if (record.key() == null || record.key().length == 0) {
      reject(record, source, "InvalidRecord", what + " with a " + (record.key() == null ? "null" : "empty")
          + " key; " + topic.name() + " records must be keyed by " + keyName);
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null && tombstones) {
      forward(record, key, null);
      return;
    }
    V value;
    String problem;
    try {
      value = topic.codec().decode(record.value());
      problem = check.problem(key, value);
    } catch (RecordDecodeException e) {
      reject(record, source, e.getClass().getSimpleName(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      // The codec wraps what Avro throws; this is a last guard so that no input can stop the stage.
      reject(record, source, e.getClass().getSimpleName(), "cannot read " + what + ": " + e);
      return;
    }
    if (problem != null) {
      reject(record, source, "InvalidRecord", problem);
      return;
    }
    forward(record, key, new Sourced<>(value, key, record.value(), meta.topic(), meta.partition(), meta.offset()));
  }

  private void forward(Record<byte[], byte[]> record, String key, Sourced<V> value) {
    if (validChild != null) {
      context().forward(new Record<Object, Object>(key, value, record.timestamp(), record.headers()), validChild);
    }
  }

  private void reject(Record<byte[], byte[]> record, SourceOffset source, String errorClass, String reason) {
    DeadLetters.send(context(), record, source, record.key(), record.value(), errorClass, reason, counters);
  }
}
