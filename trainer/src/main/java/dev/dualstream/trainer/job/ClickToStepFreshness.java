package dev.dualstream.trainer.job;

import java.util.Arrays;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;

/**
 * Freshness of training, as a Flink histogram: for every applied example, the wall time at the end
 * of the step that applied it minus the click's event time. Statistics cover the steps of the last
 * {@code window} milliseconds (at most {@link #CAPACITY} examples), so a reporter sees the current
 * freshness, not the average since start.
 *
 * <p>The training operator reports each example when it arrives ({@link #arrived}) and each step
 * when it ends ({@link #applied}); examples enter steps in arrival order, so a queue of event times
 * pairs them up. Examples restored from a checkpoint's partial batch have no event time here and
 * are skipped ({@link #arrivedUnknown}). Thread-safe: the task thread writes, reporters read.
 */
final class ClickToStepFreshness implements Histogram {

  /** The metric's name in the training operator's group. */
  static final String METRIC = "click_to_step_ms";
  static final int CAPACITY = 1 << 17;
  private static final long UNKNOWN = Long.MIN_VALUE;

  private final long windowMs;
  private final LongSupplier clock;
  private long[] pending = new long[1024];
  private int pendingHead;
  private int pendingSize;
  private final long[] appliedAt = new long[CAPACITY];
  private final long[] latencies = new long[CAPACITY];
  private long count;

  /**
   * @param windowMs how far back the statistics reach
   * @param clock wall time in epoch milliseconds, the clock of event times
   */
  ClickToStepFreshness(long windowMs, LongSupplier clock) {
    this.windowMs = windowMs;
    this.clock = clock;
  }

  /** An example with the given event time (epoch millis) joined the partial batch. */
  synchronized void arrived(long eventTimeMs) {
    if (pendingSize == pending.length) {
      long[] grown = new long[2 * pending.length];
      for (int i = 0; i < pendingSize; i++) {
        grown[i] = pending[(pendingHead + i) % pending.length];
      }
      pending = grown;
      pendingHead = 0;
    }
    pending[(pendingHead + pendingSize) % pending.length] = eventTimeMs;
    pendingSize++;
  }

  /** {@code n} examples of unknown event time joined the partial batch (restored from state). */
  synchronized void arrivedUnknown(int n) {
    for (int i = 0; i < n; i++) {
      arrived(UNKNOWN);
    }
  }

  /** A step applied the {@code n} oldest pending examples and ended now. */
  synchronized void applied(int n) {
    long now = clock.getAsLong();
    for (int i = 0; i < n && pendingSize > 0; i++) {
      long eventTime = pending[pendingHead];
      pendingHead = (pendingHead + 1) % pending.length;
      pendingSize--;
      if (eventTime != UNKNOWN && eventTime > 0) {
        int slot = (int) (count % CAPACITY);
        appliedAt[slot] = now;
        latencies[slot] = Math.max(0, now - eventTime);
        count++;
      }
    }
  }

  @Override
  public void update(long value) {
    throw new UnsupportedOperationException("fed by arrived() and applied(), not by update()");
  }

  /** Examples measured since start. */
  @Override
  public synchronized long getCount() {
    return count;
  }

  /** Statistics of the examples applied within the last window. */
  @Override
  public synchronized HistogramStatistics getStatistics() {
    long since = clock.getAsLong() - windowMs;
    int stored = (int) Math.min(count, CAPACITY);
    long[] values = new long[stored];
    int n = 0;
    for (int i = 0; i < stored; i++) {
      if (appliedAt[i] >= since) {
        values[n++] = latencies[i];
      }
    }
    return new Statistics(Arrays.copyOf(values, n));
  }

  /** Order statistics of a sample, by the nearest-rank method. */
  private static final class Statistics extends HistogramStatistics {
    private final long[] sorted;

    Statistics(long[] values) {
      this.sorted = values;
      Arrays.sort(sorted);
    }

    @Override
    public double getQuantile(double quantile) {
      if (sorted.length == 0) {
        return 0;
      }
      int rank = (int) Math.ceil(quantile * sorted.length);
      return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    @Override
    public long[] getValues() {
      return sorted.clone();
    }

    @Override
    public int size() {
      return sorted.length;
    }

    @Override
    public double getMean() {
      return sorted.length == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
    }

    @Override
    public double getStdDev() {
      double mean = getMean();
      return Math.sqrt(Arrays.stream(sorted).mapToDouble(v -> (v - mean) * (v - mean)).sum()
          / Math.max(1, sorted.length - 1));
    }

    @Override
    public long getMax() {
      return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }

    @Override
    public long getMin() {
      return sorted.length == 0 ? 0 : sorted[0];
    }
  }
}
