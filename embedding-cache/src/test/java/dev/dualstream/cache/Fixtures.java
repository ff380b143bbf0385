package dev.dualstream.cache;

import java.util.SplittableRandom;

/**
 * Shared test helpers. With dim 2, the query {@link #UNIT_QUERY} and embeddings {@code (logit, 0)}, an entry's score
 * is exactly its logit (scale 1), which lets tests dictate the sampling distribution.
 */
final class Fixtures {
  static final float[] UNIT_QUERY = {1f, 0f};

  private Fixtures() {}

  static float[] logit(double logit) {
    return new float[] {(float) logit, 0f};
  }

  static NegativeCacheBuilder logitCache(int capacity) {
    return NegativeCache.builder().capacity(capacity).dim(2).maxFeatures(4).seed(11L);
  }

  /** {@code count} copies of the unit query, row-major. */
  static float[] unitQueries(int count) {
    float[] queries = new float[2 * count];
    for (int i = 0; i < count; i++) {
      queries[2 * i] = 1f;
    }
    return queries;
  }

  static long[] repeat(long key, int count) {
    long[] keys = new long[count];
    java.util.Arrays.fill(keys, key);
    return keys;
  }

  static float[] gaussian(SplittableRandom random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (float) gaussian(random);
    }
    return values;
  }

  static double gaussian(SplittableRandom random) {
    double u = 1.0 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  /** The upper 0.1% point of the chi-square distribution (Wilson-Hilferty), the threshold of the fit tests. */
  static double chiSquareCritical(int degreesOfFreedom) {
    double z = 3.090232;
    double k = degreesOfFreedom;
    double t = 1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k));
    return k * t * t * t;
  }

  /** Pearson's statistic of observed counts against expected probabilities (which sum to 1). */
  static double chiSquare(long[] observed, double[] probabilities, long draws) {
    double statistic = 0;
    for (int i = 0; i < observed.length; i++) {
      double expected = probabilities[i] * draws;
      double d = observed[i] - expected;
      statistic += d * d / expected;
    }
    return statistic;
  }

  static double logSumExp(double[] values) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (double v : values) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }
}
