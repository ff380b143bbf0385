package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The impression side of the join: remembers the impression at its event time and joins the clicks that
 * arrived before it (parked by {@link ClickJoinProcessor}) whose time falls in the window.
 */
final class ImpressionJoinProcessor extends JoinSide<Impression> {

  ImpressionJoinProcessor(Duration window, Duration dedupRetention, IngestCounters counters) {
    super(window, dedupRetention, counters);
  }

  @Override
  public void process(Record<String, Sourced<Impression>> record) {
    Sourced<Impression> impression = record.value();
    long time = impression.value().getTimestamp().toEpochMilli();
    impressions.put(record.key(), impression, time);
    long until = saturatedAdd(time, windowMs);
    try (WindowStoreIterator<Sourced<Click>> clicks = pendingClicks.fetch(record.key(), time, until)) {
      while (clicks.hasNext()) {
        joiner.join(record, impression, clicks.next().value);
      }
    }
  }

  static long saturatedAdd(long a, long b) {
    return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
  }
}
