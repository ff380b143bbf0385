package dev.dualstream.cache;

/**
 * The memory a cache of a given shape allocates, computed from the arrays it allocates, next to the raw bytes
 * its contents need. Available before building ({@link NegativeCacheBuilder#memoryPlan()}) so a deployment can
 * size its heap, and from a built cache ({@link NegativeCache#memoryPlan()}).
 *
 * <p>Raw bytes are {@code capacity x (4 x dim + 4 x maxFeatures + 8)}: the float embedding, the int feature ids at
 * their maximum length, and the 8-byte document key. Allocated bytes add everything else the cache holds
 * for its whole life: per-entry feature counts, model versions, write steps and the two links of the age order
 * (28 bytes), the key index (4 bytes per cell, 2 to 4 cells per entry), the fixed sampling scratch, and a 16-byte
 * header per array. Per-call allocations (the scaled query copy, the {@link Sample}) are proportional to the batch,
 * not to the capacity, and are not counted. The overhead is about 38 bytes per entry, so with {@code dim} 128 the
 * ratio is 1.02 to 1.08 (1,000,000 entries with 64 features: 776 MB raw, 815 MB allocated); it nears 1.2 only
 * for embeddings as small as dim 32 with few features.
 *
 * @param capacity entries the cache holds
 * @param dim embedding dimension
 * @param maxFeatures the most feature ids stored per entry
 * @param rawBytes bytes of the cached contents at full capacity
 * @param allocatedBytes bytes of every long-lived array the cache allocates, headers included
 */
public record MemoryPlan(int capacity, int dim, int maxFeatures, long rawBytes, long allocatedBytes) {

  /** Array header bytes on a 64-bit HotSpot JVM with compressed class pointers (12, aligned up to 16). */
  static final int ARRAY_HEADER_BYTES = 16;

  /** Allocated bytes divided by raw bytes. */
  public double ratio() {
    return (double) allocatedBytes / rawBytes;
  }

  static MemoryPlan of(CacheConfig config) {
    long raw = (long) config.capacity()
        * (4L * config.dim() + 4L * config.maxFeatures() + Long.BYTES);
    long allocated = SlotStore.allocatedBytes(config)
        + KeyIndex.allocatedBytes(config.capacity())
        + GumbelSampler.allocatedBytes(config);
    return new MemoryPlan(config.capacity(), config.dim(), config.maxFeatures(), raw, allocated);
  }

  static long arrayBytes(long length, int elementBytes) {
    long bytes = ARRAY_HEADER_BYTES + length * elementBytes;
    return (bytes + 7) & ~7L;
  }
}
