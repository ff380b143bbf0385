package dev.dualstream.cache;

/**
 * Builds a {@link NegativeCache}. Capacity, dim and maxFeatures are required; the defaults are exact sampling, scale
 * 1 and seed 0. Each setter checks its argument at once; {@link #build()} and {@link #memoryPlan()} check the
 * combination (for example that topK divides the capacity).
 *
 * <pre>{@code
 * NegativeCache cache = NegativeCache.builder()
 *     .capacity(131_072).dim(128).maxFeatures(64)
 *     .topK(64)          // or .exact()
 *     .scale(20f)        // score = 20 x cosine for unit-length embeddings
 *     .seed(7L)
 *     .build();
 * }</pre>
 */
public final class NegativeCacheBuilder {
  private int capacity = -1;
  private int dim = -1;
  private int maxFeatures = -1;
  private int topK;
  private float scale = 1f;
  private long seed;

  NegativeCacheBuilder() {}

  /** The most entries the cache holds, in [1, 2^28]. */
  public NegativeCacheBuilder capacity(int capacity) {
    if (capacity < 1 || capacity > CacheConfig.MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be in [1, " + CacheConfig.MAX_CAPACITY + "], got " + capacity);
    }
    this.capacity = capacity;
    return this;
  }

  /** The embedding dimension, at least 1. */
  public NegativeCacheBuilder dim(int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be at least 1, got " + dim);
    }
    this.dim = dim;
    return this;
  }

  /** The most feature ids stored per entry, at least 0. Longer feature lists are rejected on insert. */
  public NegativeCacheBuilder maxFeatures(int maxFeatures) {
    if (maxFeatures < 0) {
      throw new IllegalArgumentException("maxFeatures must be at least 0, got " + maxFeatures);
    }
    this.maxFeatures = maxFeatures;
    return this;
  }

  /**
   * Approximate top-k sampling: the slots are cut into {@code k} equal groups (k must divide the capacity) and
   * each draw is among the k group maxima, as in the paper's reference implementation (default there: 64).
   */
  public NegativeCacheBuilder topK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("topK must be at least 1, got " + k + " (use exact() for exact sampling)");
    }
    this.topK = k;
    return this;
  }

  /** Exact softmax sampling over all written entries (the default). */
  public NegativeCacheBuilder exact() {
    this.topK = 0;
    return this;
  }

  /**
   * The inverse temperature: score = scale x dot product, and draws follow softmax(score). Use the training loss's
   * score scale, so that stale scores and fresh positive scores are comparable. A learned scale can instead be
   * folded into the queries passed to {@link NegativeCache#sample}, with scale 1 here.
   */
  public NegativeCacheBuilder scale(float scale) {
    if (!(scale > 0f) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
    }
    this.scale = scale;
    return this;
  }

  /** Seeds the cache's own random source; the same seed and the same calls give the same draws. */
  public NegativeCacheBuilder seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** The memory the cache would allocate, computed without allocating it. */
  public MemoryPlan memoryPlan() {
    return MemoryPlan.of(config());
  }

  /** An empty cache; allocates all of {@link #memoryPlan()} at once. */
  public NegativeCache build() {
    return new ArrayNegativeCache(config(), seed);
  }

  private CacheConfig config() {
    requireSet("capacity", capacity);
    requireSet("dim", dim);
    requireSet("maxFeatures", maxFeatures);
    return new CacheConfig(capacity, dim, maxFeatures, topK, scale);
  }

  private static void requireSet(String name, int value) {
    if (value < 0) {
      throw new IllegalStateException(name + " is required; call " + name + "(...) before build()");
    }
  }
}
