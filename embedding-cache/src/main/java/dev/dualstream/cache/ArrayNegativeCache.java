package dev.dualstream.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The {@link NegativeCache}: a {@link SlotStore} of flat arrays, a {@link KeyIndex} from document key to slot, and
 * a {@link GumbelSampler} with preallocated scratch. This class checks arguments, keeps the step counter and the
 * statistics, and wires the three together; the algorithmic notes are on those classes.
 */
final class ArrayNegativeCache implements NegativeCache {
  final CacheConfig config;
  final SlotStore store;
  final KeyIndex index;
  final SplitMix64 random;
  private final GumbelSampler sampler;
  long step;
  long inserts;
  long updates;
  long evictions;
  long refreshes;
  /** Staleness of the refreshes of the current step: sum and count. */
  double stepStalenessSum;
  long stepStalenessCount;
  /** Mean staleness and count of the last completed step. */
  double lastStaleness = Double.NaN;
  long lastStalenessCount;

  ArrayNegativeCache(CacheConfig config, long randomState) {
    this.config = config;
    this.store = new SlotStore(config);
    this.index = new KeyIndex(store.keys, config.capacity());
    this.sampler = new GumbelSampler(config);
    this.random = new SplitMix64(randomState);
  }

  @Override
  public int capacity() {
    return config.capacity();
  }

  @Override
  public int dim() {
    return config.dim();
  }

  @Override
  public int maxFeatures() {
    return config.maxFeatures();
  }

  @Override
  public int topK() {
    return config.topK();
  }

  @Override
  public float scale() {
    return config.scale();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public boolean insert(long docKey, int[] features, float[] embedding, long modelVersion) {
    Objects.requireNonNull(features, "features");
    if (features.length > config.maxFeatures()) {
      throw new IllegalArgumentException("document " + docKey + " has " + features.length
          + " feature ids, more than maxFeatures " + config.maxFeatures());
    }
    requireEmbedding(embedding, "embedding of document " + docKey);
    int slot = index.find(docKey);
    if (slot >= 0) {
      store.rewrite(slot, features, embedding, modelVersion, step);
      updates++;
      return false;
    }
    if (store.full()) {
      index.remove(store.oldestSlot());
      evictions++;
    }
    slot = store.claim();
    store.write(slot, docKey, features, embedding, modelVersion, step);
    index.put(slot);
    inserts++;
    return true;
  }

  @Override
  public double refresh(long docKey, float[] freshEmbedding, long modelVersion) {
    requireEmbedding(freshEmbedding, "fresh embedding of document " + docKey);
    int slot = index.find(docKey);
    if (slot < 0) {
      return Double.NaN;
    }
    double staleness = relativeSquaredError(store.embeddings, slot * config.dim(), freshEmbedding);
    store.refresh(slot, freshEmbedding, modelVersion, step);
    refreshes++;
    if (!Double.isNaN(staleness)) {
      stepStalenessSum += staleness;
      stepStalenessCount++;
    }
    return staleness;
  }

  private static double relativeSquaredError(float[] cached, int from, float[] fresh) {
    double error = 0;
    double norm = 0;
    for (int k = 0; k < fresh.length; k++) {
      double d = (double) cached[from + k] - fresh[k];
      error += d * d;
      norm += (double) fresh[k] * fresh[k];
    }
    return norm == 0 ? Double.NaN : error / norm;
  }

  @Override
  public Sample sample(float[] queries, long[][] excludedKeys) {
    return sample(queries, excludedKeys, random);
  }

  @Override
  public Sample sample(float[] queries, long[][] excludedKeys, RandomGenerator source) {
    Objects.requireNonNull(queries, "queries");
    Objects.requireNonNull(excludedKeys, "excludedKeys");
    Objects.requireNonNull(source, "random");
    int dim = config.dim();
    if (queries.length % dim != 0) {
      throw new IllegalArgumentException("queries has " + queries.length
          + " floats, not a multiple of dim " + dim + " (expected B x dim, row-major)");
    }
    int batch = queries.length / dim;
    if (excludedKeys.length != batch) {
      throw new IllegalArgumentException("excluded keys for " + excludedKeys.length + " of " + batch
          + " queries; pass one positive key (or one set of keys) per query");
    }
    float[] scaled = new float[queries.length];
    float scale = config.scale();
    for (int i = 0; i < queries.length; i++) {
      if (!Float.isFinite(queries[i])) {
        throw new IllegalArgumentException("query " + (i / dim) + " has a non-finite value at index "
            + (i % dim) + ": " + queries[i]);
      }
      scaled[i] = scale * queries[i];
    }
    int[][] excluded = new int[batch][];
    for (int i = 0; i < batch; i++) {
      excluded[i] = slots(Objects.requireNonNull(excludedKeys[i], "excludedKeys of query " + i));
    }
    GumbelSampler.Draws draws = sampler.draw(store.embeddings, store.size(), scaled, batch, excluded, source);
    return toSample(draws);
  }

  /** The distinct cached slots of {@code keys}. */
  private int[] slots(long[] keys) {
    int[] found = new int[keys.length];
    int n = 0;
    for (long key : keys) {
      int slot = index.find(key);
      if (slot >= 0) {
        found[n++] = slot;
      }
    }
    return Arrays.stream(found, 0, n).distinct().toArray();
  }

  private Sample toSample(GumbelSampler.Draws draws) {
    int batch = draws.slots.length;
    long[] keys = new long[batch];
    long[] versions = new long[batch];
    int[] offsets = new int[batch + 1];
    for (int i = 0; i < batch; i++) {
      int slot = draws.slots[i];
      offsets[i + 1] = offsets[i] + (slot < 0 ? 0 : store.featureCounts[slot]);
    }
    int[] ids = new int[offsets[batch]];
    for (int i = 0; i < batch; i++) {
      int slot = draws.slots[i];
      if (slot >= 0) {
        keys[i] = store.keys[slot];
        versions[i] = store.modelVersions[slot];
        System.arraycopy(store.features, slot * config.maxFeatures(), ids, offsets[i], offsets[i + 1] - offsets[i]);
      }
    }
    return new Sample(draws.slots, keys, draws.scores, draws.logPartitions, draws.candidates, versions, offsets, ids);
  }

  @Override
  public List<CacheEntry> oldest(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be at least 0, got " + count);
    }
    List<CacheEntry> entries = new ArrayList<>(Math.min(count, store.size()));
    for (int s = store.oldestSlot(); s >= 0 && entries.size() < count; s = store.youngerThan(s)) {
      entries.add(entry(s));
    }
    return entries;
  }

  @Override
  public Optional<CacheEntry> get(long docKey) {
    int slot = index.find(docKey);
    return slot < 0 ? Optional.empty() : Optional.of(entry(slot));
  }

  private CacheEntry entry(int slot) {
    return new CacheEntry(store.keys[slot], slot, store.featuresOf(slot), store.embeddingOf(slot),
        store.modelVersions[slot], step - store.writtenSteps[slot]);
  }

  @Override
  public void advance() {
    lastStalenessCount = stepStalenessCount;
    lastStaleness = stepStalenessCount == 0 ? Double.NaN : stepStalenessSum / stepStalenessCount;
    stepStalenessSum = 0;
    stepStalenessCount = 0;
    step++;
  }

  @Override
  public CacheStats stats() {
    int size = store.size();
    double meanAge = size == 0 ? 0 : step - (double) store.writtenStepSum() / size;
    long maxAge = size == 0 ? 0 : step - store.writtenSteps[store.oldestSlot()];
    return new CacheStats(config.capacity(), size, step, meanAge, maxAge, lastStaleness, lastStalenessCount,
        inserts, updates, evictions, refreshes);
  }

  @Override
  public MemoryPlan memoryPlan() {
    return MemoryPlan.of(config);
  }

  /** The bytes actually allocated, summed from the arrays themselves; the memory plan must agree with it. */
  long allocatedBytes() {
    return store.allocatedBytes() + index.allocatedBytes() + sampler.allocatedBytes();
  }

  @Override
  public byte[] snapshot() {
    return SnapshotCodec.write(this);
  }

  private void requireEmbedding(float[] embedding, String what) {
    Objects.requireNonNull(embedding, what);
    if (embedding.length != config.dim()) {
      throw new IllegalArgumentException(what + " has " + embedding.length + " values, expected dim "
          + config.dim());
    }
    for (int k = 0; k < embedding.length; k++) {
      if (!Float.isFinite(embedding[k])) {
        throw new IllegalArgumentException(what + " has a non-finite value at index " + k + ": " + embedding[k]);
      }
    }
  }

  @Override
  public String toString() {
    return "NegativeCache{size=" + store.size() + "/" + config.capacity() + ", dim=" + config.dim()
        + ", maxFeatures=" + config.maxFeatures() + ", " + (config.exact() ? "exact" : "topK=" + config.topK())
        + ", scale=" + config.scale() + ", step=" + step + "}";
  }
}
