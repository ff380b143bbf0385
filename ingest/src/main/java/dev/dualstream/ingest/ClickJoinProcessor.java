package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The click side of the join: looks up the impression shown at most one window before the click; if it
 * has not arrived yet, parks the click at its event time so that {@link ImpressionJoinProcessor} can join it
 * when the impression comes. Parked clicks expire with the store's retention (window + grace); a click
 * whose impression never comes produces nothing.
 */
final class ClickJoinProcessor extends JoinSide<Click> {

  ClickJoinProcessor(Duration window, Duration dedupRetention, IngestCounters counters) {
    super(window, dedupRetention, counters);
  }

  @Override
  public void process(Record<String, Sourced<Click>> record) {
    Sourced<Click> click = record.value();
    long time = click.value().getTimestamp().toEpochMilli();
    Sourced<Impression> latest = null;
    // Ascending by impression time: the last one is the closest before the click (a re-sent impression
    // with the same id and another time is the only way to see more than one).
    long from = Math.max(0, time - windowMs);
    try (WindowStoreIterator<Sourced<Impression>> it = impressions.fetch(record.key(), from, time)) {
      while (it.hasNext()) {
        latest = it.next().value;
      }
    }
    if (latest != null) {
      joiner.join(record, latest, click);
    } else {
      pendingClicks.put(record.key(), click, time);
    }
  }
}
