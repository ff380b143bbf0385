package dev.dualstream.trainer.negatives;

import java.util.Arrays;

/**
 * A streaming estimate of how often each document occurs, in bounded memory: a count-min sketch
 * (Cormode and Muthukrishnan, 2005) with conservative update, optionally with exponential decay.
 *
 * <p>Each of {@code depth} rows hashes a key to one of {@code width} counters; the estimate is the
 * smallest of its counters, which never undercounts and, with conservative update (raise only the
 * counters below the new minimum), overcounts little. Decay is lazy: each occurrence weighs
 * {@code 1/decay} times the one before, so older counts fade relative to newer ones without touching
 * every counter; the counters are renormalised before the weights overflow.
 *
 * <p>{@link #probability} is the count over the total, with a floor of one occurrence so that a
 * never-seen key has a small positive probability and a finite log. Hash functions are seeded, so
 * the same seed and the same sequence of keys give the same estimates. Not thread-safe.
 */
final class PopularityEstimate {
  private static final double RESCALE_AT = 1e150;

  private final int width;
  private final int depth;
  private final long[] seeds;
  private final double decay;
  private final double[] counts;
  private double unit = 1;
  private double total;

  PopularityEstimate(int width, int depth, double decay, long seed) {
    if (Integer.bitCount(width) != 1 || depth < 1 || !(decay > 0 && decay <= 1)) {
      throw new IllegalArgumentException("bad sketch: width " + width + ", depth " + depth + ", decay " + decay);
    }
    this.width = width;
    this.depth = depth;
    this.decay = decay;
    this.counts = new double[width * depth];
    this.seeds = new long[depth];
    long state = seed;
    for (int r = 0; r < depth; r++) {
      state += 0x9e3779b97f4a7c15L;
      seeds[r] = DocKeys.mix(state);
    }
  }

  /** Counts one occurrence of {@code key}. */
  void add(long key) {
    if (decay < 1) {
      unit /= decay;
      if (unit > RESCALE_AT) {
        rescale();
      }
    }
    double target = raw(key) + unit;
    for (int r = 0; r < depth; r++) {
      int at = slot(key, r);
      if (counts[at] < target) {
        counts[at] = target;
      }
    }
    total += unit;
  }

  /** Estimated (decayed) occurrences of {@code key}. */
  double count(long key) {
    return raw(key) / unit;
  }

  /** Estimated (decayed) occurrences of all keys. */
  double total() {
    return total / unit;
  }

  /**
   * The estimated share of occurrences that are {@code key}, at least one occurrence's worth.
   *
   * @throws IllegalStateException before the first occurrence
   */
  double probability(long key) {
    if (total == 0) {
      throw new IllegalStateException("no occurrence counted yet");
    }
    return Math.max(raw(key), unit) / total;
  }

  double logProbability(long key) {
    return Math.log(probability(key));
  }

  private double raw(long key) {
    double min = Double.POSITIVE_INFINITY;
    for (int r = 0; r < depth; r++) {
      min = Math.min(min, counts[slot(key, r)]);
    }
    return min;
  }

  private int slot(long key, int row) {
    long h = DocKeys.mix(key ^ seeds[row]);
    return row * width + ((int) (h ^ (h >>> 32)) & (width - 1));
  }

  int width() {
    return width;
  }

  int depth() {
    return depth;
  }

  double decay() {
    return decay;
  }

  /** The first row's hash seed: sketches whose counters may be exchanged have the same one. */
  long hashSeed() {
    return seeds[0];
  }

  /** The current weight of one occurrence; counters hold weights, not occurrences. */
  double unit() {
    return unit;
  }

  /** The sum of all weights counted. */
  double rawTotal() {
    return total;
  }

  /** The counters, row-major ({@code depth x width}) weights; callers must not modify them. */
  double[] rawCounts() {
    return counts;
  }

  /** Sets the counters, unit and total to those of a saved sketch of the same shape (hashes come from the seed). */
  void restore(double[] rawCounts, double unit, double total) {
    if (rawCounts.length != counts.length) {
      throw new IllegalArgumentException("a sketch of " + rawCounts.length + " counters, this one has "
          + counts.length);
    }
    System.arraycopy(rawCounts, 0, counts, 0, counts.length);
    this.unit = unit;
    this.total = total;
  }

  private void rescale() {
    double factor = 1 / unit;
    for (int i = 0; i < counts.length; i++) {
      counts[i] *= factor;
    }
    total *= factor;
    unit = 1;
  }

  @Override
  public String toString() {
    return "PopularityEstimate{width=" + width + ", depth=" + depth + ", decay=" + decay + ", total=" + total()
        + ", nonZero=" + Arrays.stream(counts).filter(c -> c > 0).count() + "}";
  }
}
