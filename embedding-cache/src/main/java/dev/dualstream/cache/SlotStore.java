package dev.dualstream.cache;

/**
 * Flat primitive storage of the cache entries plus their age order.
 *
 * <p>Slot {@code s} owns {@code embeddings[s*dim, (s+1)*dim)} (row-major, so scoring streams one array
 * front to back), {@code features[s*maxFeatures, s*maxFeatures + featureCounts[s])}, and one element of each
 * per-entry array. Slots are handed out in order {@code 0, 1, 2, ...} until the cache is full and are never freed,
 * so the written entries are always exactly the prefix {@code [0, size)}: scoring only that prefix is what masks
 * never-written slots, at no cost per entry.
 *
 * <p>The age order is a doubly linked list threaded through two int arrays, oldest first. Every write (insert,
 * update or refresh) moves the slot to the young end, so the oldest entry is always at the head and the next
 * victim is found in O(1). Entries written in the same step are ordered by write time, so "oldest first" also
 * means "first written first" among equals.
 */
final class SlotStore {
  private static final int NONE = -1;

  final int capacity;
  final int dim;
  final int maxFeatures;
  final long[] keys;
  final long[] modelVersions;
  final long[] writtenSteps;
  final int[] featureCounts;
  final int[] features;
  final float[] embeddings;
  private final int[] older;
  private final int[] younger;
  private int oldest = NONE;
  private int youngest = NONE;
  private int size;
  private long writtenStepSum;

  SlotStore(CacheConfig config) {
    capacity = config.capacity();
    dim = config.dim();
    maxFeatures = config.maxFeatures();
    keys = new long[capacity];
    modelVersions = new long[capacity];
    writtenSteps = new long[capacity];
    featureCounts = new int[capacity];
    features = new int[capacity * maxFeatures];
    embeddings = new float[capacity * dim];
    older = new int[capacity];
    younger = new int[capacity];
  }

  static long allocatedBytes(CacheConfig c) {
    long m = c.capacity();
    return 3 * MemoryPlan.arrayBytes(m, Long.BYTES)
        + 3 * MemoryPlan.arrayBytes(m, Integer.BYTES)
        + MemoryPlan.arrayBytes(m * c.maxFeatures(), Integer.BYTES)
        + MemoryPlan.arrayBytes(m * c.dim(), Float.BYTES);
  }

  long allocatedBytes() {
    return MemoryPlan.arrayBytes(keys.length, Long.BYTES)
        + MemoryPlan.arrayBytes(modelVersions.length, Long.BYTES)
        + MemoryPlan.arrayBytes(writtenSteps.length, Long.BYTES)
        + MemoryPlan.arrayBytes(featureCounts.length, Integer.BYTES)
        + MemoryPlan.arrayBytes(older.length, Integer.BYTES)
        + MemoryPlan.arrayBytes(younger.length, Integer.BYTES)
        + MemoryPlan.arrayBytes(features.length, Integer.BYTES)
        + MemoryPlan.arrayBytes(embeddings.length, Float.BYTES);
  }

  int size() {
    return size;
  }

  boolean full() {
    return size == capacity;
  }

  /** The oldest written slot, or -1 when empty. */
  int oldestSlot() {
    return oldest;
  }

  /** The next younger slot after {@code slot}, or -1 when {@code slot} is the youngest. */
  int youngerThan(int slot) {
    return younger[slot];
  }

  long writtenStepSum() {
    return writtenStepSum;
  }

  /**
   * A slot for a new entry: the next never-written slot, or else the oldest one, unlinked. The caller writes it
   * with {@link #write} straight away.
   */
  int claim() {
    if (size < capacity) {
      return size++;
    }
    int slot = oldest;
    unlink(slot);
    writtenStepSum -= writtenSteps[slot];
    return slot;
  }

  /** Writes a claimed slot completely and makes it the youngest. */
  void write(int slot, long key, int[] ids, float[] embedding, long modelVersion, long step) {
    keys[slot] = key;
    featureCounts[slot] = ids.length;
    System.arraycopy(ids, 0, features, slot * maxFeatures, ids.length);
    System.arraycopy(embedding, 0, embeddings, slot * dim, dim);
    modelVersions[slot] = modelVersion;
    writtenSteps[slot] = step;
    writtenStepSum += step;
    append(slot);
  }

  /** Rewrites a written slot in place (same key) and makes it the youngest. */
  void rewrite(int slot, int[] ids, float[] embedding, long modelVersion, long step) {
    unlink(slot);
    writtenStepSum -= writtenSteps[slot];
    write(slot, keys[slot], ids, embedding, modelVersion, step);
  }

  /** Replaces a written slot's embedding (a refresh) and makes it the youngest. */
  void refresh(int slot, float[] embedding, long modelVersion, long step) {
    unlink(slot);
    System.arraycopy(embedding, 0, embeddings, slot * dim, dim);
    modelVersions[slot] = modelVersion;
    writtenStepSum += step - writtenSteps[slot];
    writtenSteps[slot] = step;
    append(slot);
  }

  int[] featuresOf(int slot) {
    int from = slot * maxFeatures;
    int[] copy = new int[featureCounts[slot]];
    System.arraycopy(features, from, copy, 0, copy.length);
    return copy;
  }

  float[] embeddingOf(int slot) {
    float[] copy = new float[dim];
    System.arraycopy(embeddings, slot * dim, copy, 0, dim);
    return copy;
  }

  /** Slots from oldest to youngest. */
  int[] ageOrder() {
    int[] order = new int[size];
    int i = 0;
    for (int s = oldest; s != NONE; s = younger[s]) {
      order[i++] = s;
    }
    return order;
  }

  /**
   * Restores the written prefix {@code [0, order.length)} whose fields the caller has already filled, linking it
   * oldest to youngest in {@code order} (a permutation of that prefix, checked by the caller).
   */
  void restoreOrder(int[] order) {
    oldest = NONE;
    youngest = NONE;
    writtenStepSum = 0;
    size = order.length;
    for (int slot : order) {
      writtenStepSum += writtenSteps[slot];
      append(slot);
    }
  }

  private void append(int slot) {
    older[slot] = youngest;
    younger[slot] = NONE;
    if (youngest == NONE) {
      oldest = slot;
    } else {
      younger[youngest] = slot;
    }
    youngest = slot;
  }

  private void unlink(int slot) {
    int o = older[slot];
    int y = younger[slot];
    if (o == NONE) {
      oldest = y;
    } else {
      younger[o] = y;
    }
    if (y == NONE) {
      youngest = o;
    } else {
      older[y] = o;
    }
  }
}
