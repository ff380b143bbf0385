package dev.dualstream.cache;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A capacity-bounded cache of documents (key, feature ids, stale embedding, age, model version) from which training
 * negatives are drawn by Gumbel-max over stale scores: the negative cache of Lindgren, Reddi, Guo and Kumar,
 * "Efficient Training of Retrieval Models using Negative Cache", NeurIPS 2021. See the package documentation for
 * the algorithm and a full training step.
 *
 * <p>Create one with {@link #builder()}, or from a snapshot with {@link #restore(byte[])}. Instances are not
 * thread-safe; one training operator owns one cache.
 *
 * <p>Document keys are {@code long}s chosen by the caller (for example an index into the caller's own table of
 * document ids, or a 64-bit hash of the id). The cache keeps at most one entry per key.
 */
public interface NegativeCache {

  /** A builder for an empty cache. */
  static NegativeCacheBuilder builder() {
    return new NegativeCacheBuilder();
  }

  /**
   * A cache restored from {@link #snapshot()} bytes: same entries, ages, age order, statistics and random state, so
   * it samples exactly as the original would have. Refuses a snapshot whose cache could never fit this JVM's
   * heap ({@link Runtime#maxMemory()}); see {@link #restore(byte[], long)} for a tighter bound.
   *
   * @throws IllegalArgumentException if the bytes are not a snapshot, are truncated or corrupt, or have a format
   *     version this build cannot read
   */
  static NegativeCache restore(byte[] snapshot) {
    return restore(snapshot, Runtime.getRuntime().maxMemory());
  }

  /**
   * As {@link #restore(byte[])}, but refuses, before allocating anything, a snapshot whose cache would allocate
   * more than {@code maxAllocatedBytes} ({@link MemoryPlan#allocatedBytes()}). A snapshot's size says nothing of
   * the cache's: a small snapshot of an empty cache of a large capacity is valid, so a damaged capacity or
   * dimension is caught only by a bound the caller knows, such as the memory plan of the cache it expects.
   *
   * @throws IllegalArgumentException as {@link #restore(byte[])}, or if the cache would be larger than the bound
   */
  static NegativeCache restore(byte[] snapshot, long maxAllocatedBytes) {
    return SnapshotCodec.read(snapshot, maxAllocatedBytes);
  }

  /** The most entries the cache holds. */
  int capacity();

  /** The embedding dimension. */
  int dim();

  /** The most feature ids an entry holds. */
  int maxFeatures();

  /** The number of grouped-maximum candidates per draw, or 0 when sampling is exact over all entries. */
  int topK();

  /** The factor applied to every dot product: score = scale x {@code <q, e>} (an inverse temperature). */
  float scale();

  /** The number of written entries; never-written slots are never scored or drawn. */
  int size();

  /** Completed steps: the number of calls to {@link #advance()}. Entries' ages are counted in steps. */
  long step();

  /**
   * Inserts a document (typically a batch positive with its fresh embedding) as the youngest entry. A new key takes
   * a never-written slot while there is one, else replaces the oldest entry; a key already cached has its entry
   * rewritten in place (features, embedding, version) and becomes the youngest, so documents are never duplicated.
   *
   * @param features the document's feature ids, at most {@link #maxFeatures()} of them (copied)
   * @param embedding the document embedding, {@link #dim()} finite floats (copied)
   * @return true if the key was new, false if an existing entry was rewritten
   * @throws IllegalArgumentException on a wrong embedding length, a non-finite value, or too many features
   */
  boolean insert(long docKey, int[] features, float[] embedding, long modelVersion);

  /**
   * Writes back a fresh embedding for a cached document (a sampled negative after re-encoding it, or an old entry
   * chosen by {@link #oldest(int)}), making it the youngest entry, and records its staleness
   * {@code ||e_cached - e_fresh||^2 / ||e_fresh||^2} for {@link #stats()}.
   *
   * @return the recorded staleness; NaN if the key is no longer cached (nothing is written) or the fresh embedding
   *     is all zeros (written, not recorded)
   * @throws IllegalArgumentException on a wrong embedding length or a non-finite value
   */
  double refresh(long docKey, float[] freshEmbedding, long modelVersion);

  /**
   * Draws one negative per query with the cache's own seeded random source. The state of that source is part of
   * the snapshot.
   *
   * @param queries {@code B x dim} query embeddings, row-major (length a multiple of dim; B may be 0)
   * @param positiveKeys per query, the key of its positive document, which is never drawn for that query and is left
   *     out of its partition (a key that is not cached excludes nothing)
   * @throws IllegalArgumentException on mismatched lengths or non-finite query values
   */
  default Sample sample(float[] queries, long[] positiveKeys) {
    return sample(queries, perQuery(positiveKeys));
  }

  /**
   * As {@link #sample(float[], long[])}, drawing the Gumbel noise from {@code random} instead: the same generator
   * state and the same cache contents give the same draws. The cache's own random source is not advanced.
   */
  default Sample sample(float[] queries, long[] positiveKeys, RandomGenerator random) {
    return sample(queries, perQuery(positiveKeys), random);
  }

  /**
   * Draws one negative per query with the cache's own seeded random source, leaving out a set of documents per
   * query: its positive, and any others known not to be negatives for it (for example documents the query's users
   * clicked before). Excluded documents are never drawn for that query and are left out of its partition, so the
   * draw is softmax sampling over the remaining entries.
   *
   * @param excludedKeys per query, the keys of documents it must not draw (keys that are not cached, and repeated
   *     keys, exclude nothing more)
   * @throws IllegalArgumentException on mismatched lengths or non-finite query values
   */
  Sample sample(float[] queries, long[][] excludedKeys);

  /** As {@link #sample(float[], long[][])}, drawing the Gumbel noise from {@code random} instead. */
  Sample sample(float[] queries, long[][] excludedKeys, RandomGenerator random);

  private static long[][] perQuery(long[] positiveKeys) {
    Objects.requireNonNull(positiveKeys, "positiveKeys");
    long[][] excluded = new long[positiveKeys.length][];
    for (int i = 0; i < excluded.length; i++) {
      excluded[i] = new long[] {positiveKeys[i]};
    }
    return excluded;
  }

  /**
   * The {@code count} oldest entries, oldest first (fewer if the cache holds fewer): the ones to re-encode and
   * {@link #refresh} when refreshing the oldest r entries per step.
   */
  List<CacheEntry> oldest(int count);

  /** The entry cached for a key, if any. */
  Optional<CacheEntry> get(long docKey);

  /** Ends a step: every entry ages by one, and this step's staleness becomes {@link CacheStats#staleness()}. */
  void advance();

  /** Size, ages, staleness of the last completed step, and lifetime counters. */
  CacheStats stats();

  /** The bytes this cache allocated, next to the raw bytes of its contents. */
  MemoryPlan memoryPlan();

  /**
   * The whole cache as bytes, for a checkpoint: a versioned, checksummed format that {@link #restore(byte[])} reads
   * back, and that restores to a cache whose own snapshot is byte-identical. Only written entries are stored.
   *
   * @throws IllegalStateException if the contents exceed the largest Java byte array (2 GiB)
   */
  byte[] snapshot();
}
