package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.WindowStore;

/**
 * What both sides of the click-impression join share: the window, the two window stores and the
 * joiner that emits examples. {@link ImpressionJoinProcessor} and {@link ClickJoinProcessor} differ
 * only in which store they write and which they search.
 */
abstract class JoinSide<V> extends ContextualProcessor<String, Sourced<V>, Object, Object> {
  protected final long windowMs;
  private final Duration dedupRetention;
  private final IngestCounters counters;
  protected WindowStore<String, Sourced<Impression>> impressions;
  protected WindowStore<String, Sourced<Click>> pendingClicks;
  protected ClickJoiner joiner;

  JoinSide(Duration window, Duration dedupRetention, IngestCounters counters) {
    this.windowMs = window.toMillis();
    this.dedupRetention = dedupRetention;
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    impressions = context.getStateStore(IngestTopology.IMPRESSION_STORE);
    pendingClicks = context.getStateStore(IngestTopology.PENDING_CLICK_STORE);
    joiner = new ClickJoiner(context, dedupRetention, counters);
  }
}
