package dev.dualstream.deploy.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Click-to-version latency: for each example sent while recording, the time from its event time to the
 * moment a reader of committed data first sees a model version that contains it, that is, a {@code
 * models.versions} record whose source offsets are past the example's offset in its partition. Fed by the
 * producer's callbacks (per partition in offset order) and by a consumer of the versions topic; thread-safe.
 */
public final class ClickToVersion {
  private final Map<Integer, Deque<long[]>> waiting = new TreeMap<>();
  private final List<Long> latencies = new ArrayList<>();
  private int versions;

  /** An example sent and acknowledged at {@code offset} of {@code partition}, with its event time. */
  synchronized void sent(int partition, long offset, long eventTimeMs) {
    waiting.computeIfAbsent(partition, p -> new ArrayDeque<>()).addLast(new long[] {offset, eventTimeMs});
  }

  /**
   * A version seen at {@code seenAtMs}, holding every example before {@code nextOffsets} (per partition, the
   * offset of the first example it does not hold).
   */
  synchronized void announced(Map<Integer, Long> nextOffsets, long seenAtMs) {
    versions++;
    nextOffsets.forEach((partition, next) -> {
      Deque<long[]> queue = waiting.get(partition);
      while (queue != null && !queue.isEmpty() && queue.peekFirst()[0] < next) {
        latencies.add(seenAtMs - queue.pollFirst()[1]);
      }
    });
  }

  /** Whether every example recorded is in a version seen. */
  synchronized boolean allCovered() {
    return waiting.values().stream().allMatch(Deque::isEmpty);
  }

  /** The figures so far. */
  synchronized Figures figures() {
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    long uncovered = waiting.values().stream().mapToLong(Deque::size).sum();
    return new Figures(sorted.length, uncovered, versions, quantile(sorted, 0.5), quantile(sorted, 0.99),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]);
  }

  /** The nearest-rank quantile; NaN of nothing. */
  static double quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /**
   * Click-to-version over the examples recorded.
   *
   * @param samples examples seen in a version
   * @param uncovered examples recorded but in no version seen by the end
   * @param versions versions seen while recording or waiting
   * @param p50Ms median latency
   * @param p99Ms 99th percentile latency
   * @param maxMs largest latency
   */
  public record Figures(long samples, long uncovered, int versions, double p50Ms, double p99Ms, double maxMs) {
    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "p50 %.0f ms, p99 %.0f ms, max %.0f ms (%,d examples, %d versions%s)",
          p50Ms, p99Ms, maxMs, samples, versions, uncovered == 0 ? "" : ", " + uncovered + " in no version");
    }
  }
}
