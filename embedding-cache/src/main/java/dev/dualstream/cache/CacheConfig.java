package dev.dualstream.cache;

/**
 * The fixed shape of a cache, validated once. Shared by the builder, the implementation, the memory plan and the
 * snapshot header, so the same rules (and messages) apply however a cache comes into being.
 *
 * @param topK 0 for exact softmax sampling over all entries, else the number of grouped-maximum candidates
 */
record CacheConfig(int capacity, int dim, int maxFeatures, int topK, float scale) {

  /** Keeps the key index (a power of two at least twice the capacity) within one Java array. */
  static final int MAX_CAPACITY = 1 << 28;

  CacheConfig {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity must be in [1, " + MAX_CAPACITY + "], got " + capacity);
    }
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be at least 1, got " + dim);
    }
    if (maxFeatures < 0) {
      throw new IllegalArgumentException("maxFeatures must be at least 0, got " + maxFeatures);
    }
    requireArrayLength("capacity x dim", (long) capacity * dim);
    requireArrayLength("capacity x maxFeatures", (long) capacity * maxFeatures);
    if (topK < 0 || topK > capacity) {
      throw new IllegalArgumentException("topK must be in [1, capacity " + capacity + "] (or exact), got " + topK);
    }
    if (topK > 0 && capacity % topK != 0) {
      throw new IllegalArgumentException("topK " + topK + " must divide capacity " + capacity
          + ": the approximate top-k takes the maximum of each of topK equal groups of slots");
    }
    if (!(scale > 0f) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be a finite number > 0, got " + scale);
    }
  }

  private static void requireArrayLength(String what, long length) {
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(what + " = " + length
          + " exceeds the largest Java array; lower the capacity");
    }
  }

  boolean exact() {
    return topK == 0;
  }
}
