package dev.dualstream.trainer.negatives;

import dev.dualstream.cache.NegativeCache;
import dev.dualstream.cache.Sample;
import java.util.Arrays;

/**
 * Softmax over every document of the pool, the ceiling the streaming cache approximates: the
 * non-streaming variant of Lindgren et al. (NeurIPS 2021), a negative cache that holds the whole
 * corpus instead of the recent positives.
 *
 * <p>Every {@code refreshSteps} steps the whole pool is re-encoded into a fresh cache of its size;
 * in between, as in the streaming cache, the negatives drawn (exact Gumbel-max over all documents)
 * and the batch's positives are written back with their fresh embeddings. A query's cell is then
 * the stale log-partition of the whole corpus, its gradient that of the drawn, re-encoded negative.
 * Documents added to the pool after a re-encoding wait for the next one.
 *
 * <p>Why not only the periodic re-encoding: at the default learning rate, document embeddings of
 * the default model drift by a relative squared error of about 0.1 to 0.2 in ten steps, so a
 * corpus encoded hundreds of steps ago scores nothing like the current model. Measured on
 * debian-pkgdesc (9,600 click-log examples, 300 test queries), training against the periodically
 * re-encoded corpus alone collapsed: test Recall@10 0.05 (re-encoded every 100 steps) and 0.11
 * (every 500), where the streaming cache with M = 16384 reached 0.27.
 */
final class CorpusNegatives {
  private final DocumentPool pool;
  private final int refreshSteps;
  private final DocumentEncoder encoder;
  private final float scale;
  private final int dim;
  private final int maxFeatures;
  private final long seed;
  private NegativeCache cache;
  private long reencodings;

  CorpusNegatives(DocumentPool pool, int refreshSteps, DocumentEncoder encoder, float scale, int dim, int maxFeatures,
      long seed) {
    this.pool = pool;
    this.refreshSteps = refreshSteps;
    this.encoder = encoder;
    this.scale = scale;
    this.dim = dim;
    this.maxFeatures = maxFeatures;
    this.seed = seed;
  }

  /**
   * One negative per query over the whole encoded pool but the query's excluded documents (its
   * positive first); encodes the pool first if needed.
   */
  Sample draw(float[] queries, long[][] excludedKeys) {
    if (cache == null) {
      reencode();
    }
    return cache.sample(queries, excludedKeys);
  }

  /** The cache behind the draws (null before the first). */
  NegativeCache cache() {
    return cache;
  }

  /**
   * Ends step {@code steps}: writes the drawn negatives' and the positives' fresh embeddings back,
   * and re-encodes the pool when the step count is a multiple of the interval.
   *
   * @param drawn per query, the row of its drawn negative in {@code documents}, or -1
   * @param documents the step's fresh document embeddings, row-major, the positives first
   * @return the mean staleness of the drawn entries, NaN if none was measured
   */
  double update(Sample sample, int[] drawn, long[] positiveKeys, float[] documents, long version, long steps) {
    double staleness = WriteBack.drawn(cache, sample, drawn, true, documents, dim, version);
    for (int i = 0; i < positiveKeys.length; i++) {
      cache.refresh(positiveKeys[i], WriteBack.row(documents, i, dim), version);
    }
    cache.advance();
    if (steps % refreshSteps == 0) {
      reencode();
    }
    return staleness;
  }

  /** What the encoded corpus allocates at most: a cache of the pool's capacity. */
  long largestCacheBytes() {
    return NegativeCache.builder().capacity(pool.capacity()).dim(dim).maxFeatures(maxFeatures).scale(scale).exact()
        .memoryPlan().allocatedBytes();
  }

  /** Re-encodes every document of the pool with the current tower into a new cache. */
  void reencode() {
    int n = pool.size();
    NegativeCache fresh = NegativeCache.builder().capacity(Math.max(1, n)).dim(dim).maxFeatures(maxFeatures)
        .scale(scale).seed(DocKeys.mix(seed + reencodings)).exact().build();
    if (n > 0) {
      float[][] rows = encoder.embed(pool.first(n));
      for (int d = 0; d < n; d++) {
        int[] ids = pool.ids(d);
        fresh.insert(pool.key(d), ids.length > maxFeatures ? Arrays.copyOf(ids, maxFeatures) : ids, rows[d],
            reencodings);
      }
    }
    cache = fresh;
    reencodings++;
  }

  /** Continues from a saved state: the encoded corpus (null before the first draw) and the re-encodings so far. */
  void restore(NegativeCache encodedCorpus, long reencodingsSoFar) {
    this.cache = encodedCorpus;
    this.reencodings = reencodingsSoFar;
  }

  int dim() {
    return dim;
  }

  int maxFeatures() {
    return maxFeatures;
  }

  float scale() {
    return scale;
  }

  int encoded() {
    return cache == null ? 0 : cache.size();
  }

  long reencodings() {
    return reencodings;
  }
}
