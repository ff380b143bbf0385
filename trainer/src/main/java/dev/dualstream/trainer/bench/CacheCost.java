package dev.dualstream.trainer.bench;

import dev.dualstream.cache.NegativeCache;
import dev.dualstream.cache.NegativeCacheBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * The cost of drawing one batch's negatives from a full cache, measured apart from training: in
 * the negatives experiment a large cache may never fill (a click log of n examples has fewer than n distinct
 * clicked documents), but its cost at capacity is what a deployment pays. Fills a cache of the
 * setting's capacity with random unit embeddings, then times {@code sample} for B random queries;
 * that is the B x M product plus the draw, the part of a cache step that grows with M.
 */
public final class CacheCost {
  private static final int WARMUP = 5;
  private static final int REPEATS = 20;

  private CacheCost() {}

  /**
   * Mean CPU milliseconds of one {@code sample} call at capacity (the sampler runs on the calling
   * thread; CPU time is what a busy shared machine distorts least).
   */
  public static double samplingMillis(int capacity, int topK, int dim, int batch, float scale, long seed) {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(capacity).dim(dim).maxFeatures(1).scale(scale)
        .seed(seed);
    NegativeCache cache = (topK > 0 ? builder.topK(topK) : builder.exact()).build();
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < capacity; i++) {
      cache.insert(i, new int[] {1}, unit(random, dim), 0);
    }
    float[] queries = new float[batch * dim];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(unit(random, dim), 0, queries, b * dim, dim);
    }
    long[] positives = new long[batch];
    long sink = 0;
    for (int i = 0; i < WARMUP; i++) {
      sink += cache.sample(queries, positives).docKey(0);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < REPEATS; i++) {
      sink += cache.sample(queries, positives).docKey(0);
    }
    double millis = (threads.getCurrentThreadCpuTime() - start) / 1e6 / REPEATS;
    return sink == Long.MIN_VALUE ? -millis : millis;
  }

  private static float[] unit(SplittableRandom random, int dim) {
    float[] v = new float[dim];
    double norm = 0;
    for (int k = 0; k < dim; k++) {
      v[k] = (float) random.nextGaussian();
      norm += v[k] * v[k];
    }
    float inverse = (float) (1 / Math.sqrt(norm));
    for (int k = 0; k < dim; k++) {
      v[k] *= inverse;
    }
    return v;
  }
}
