package dev.dualstream.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time for Kafka Streams: the event's own timestamp field, never the Kafka record's timestamp,
 * which the producer's clock sets (a replay or a producer with a skewed clock would otherwise move the
 * stream time, and Kafka Streams picks the next record across partitions by these timestamps, so one
 * record stamped "today" in a stream of last year's events reorders everything behind it).
 *
 * <p>Records that must not move the stream time get their partition's current time instead: records that
 * could not be decoded, tombstones, and records whose event time is implausible. Implausible means more than
 * {@code maxAhead} ahead of the partition's time, or more than {@code maxFuture} ahead of the wall clock
 * (which alone bounds a partition's records until it has a time: Kafka Streams starts a partition at -1,
 * and a bad first record leaves it at 0); such a record is marked
 * rejected here and dead-lettered by its processor. Records behind the stream time keep their event time
 * (it does not move the stream time either); the processors decide whether they are late.
 */
final class EventTimeExtractor implements TimestampExtractor {
  static final String IMPLAUSIBLE = "ImplausibleEventTime";
  private final long maxAheadMs;
  private final long maxFutureMs;
  private final LongSupplier wallClock;

  EventTimeExtractor(Duration maxAhead, Duration maxFuture, LongSupplier wallClock) {
    this.maxAheadMs = maxAhead.toMillis();
    this.maxFutureMs = maxFuture.toMillis();
    this.wallClock = wallClock;
  }

  @Override
  public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
    long unmoved = Math.max(partitionTime, 0);
    if (!(record.value() instanceof Input<?> input) || input.isRejected() || input.isTombstone()) {
      return unmoved;
    }
    long time = input.eventTime;
    if (time < 0) {
      return unmoved; // a negative event time is rejected by the input checks
    }
    if (partitionTime > 0 && time - partitionTime > maxAheadMs) {
      input.reject(IMPLAUSIBLE, "implausible event time " + Instant.ofEpochMilli(time) + ": "
          + Durations.format(time - partitionTime) + " ahead of the stream time " + Instant.ofEpochMilli(partitionTime)
          + " (time.max.ahead " + Durations.format(maxAheadMs) + ")");
      return unmoved;
    }
    long now = wallClock.getAsLong();
    if (time - now > maxFutureMs) {
      input.reject(IMPLAUSIBLE, "implausible event time " + Instant.ofEpochMilli(time) + ": "
          + Durations.format(time - now) + " ahead of the wall clock (time.max.future " + Durations.format(maxFutureMs) + ")");
      return unmoved;
    }
    return time;
  }

  /** For the document topics, whose records take no part in the join: never moves time on bad input. */
  static TimestampExtractor documents() {
    return (record, partitionTime) -> record.value() instanceof Input<?> in && !in.isRejected() && in.eventTime >= 0
        ? in.eventTime : Math.max(partitionTime, 0);
  }
}
