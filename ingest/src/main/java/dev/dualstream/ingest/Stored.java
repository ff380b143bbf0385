package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.SourceOffset;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * An input record kept in the join's state: the bytes exactly as the producer sent them (a dead letter
 * written after a join carries them whole), where they came from, and the event time. The value is decoded
 * again when needed, which is rarer than storing it.
 */
record Stored(String key, byte[] raw, String topic, int partition, long offset, long eventTime) {

  SourceOffset source() {
    return new SourceOffset(topic, partition, offset);
  }

  <V extends SpecificRecordBase> V decode(Topic<String, V> as) {
    return as.codec().decode(raw);
  }
}
