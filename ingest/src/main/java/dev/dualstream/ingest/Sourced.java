package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.SourceOffset;

/**
 * A decoded input record together with where it came from and the bytes it arrived as, so that a record
 * rejected later (after a join) can still be dead-lettered whole and examples can name their sources.
 */
record Sourced<V>(V value, String key, byte[] rawValue, String topic, int partition, long offset) {

  SourceOffset source() {
    return new SourceOffset(topic, partition, offset);
  }
}
