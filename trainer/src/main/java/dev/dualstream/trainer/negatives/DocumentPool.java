package dev.dualstream.trainer.negatives;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The documents the trainer knows by features, for uniform and full-corpus negatives: each key once,
 * in the order first added, up to a capacity; later documents are not added, so that an index, once
 * given, always means the same document (the corpus source's embeddings are stored by index).
 */
final class DocumentPool {
  private final int capacity;
  private final List<int[]> features = new ArrayList<>();
  private long[] keys = new long[1024];
  private final Map<Long, Integer> index = new HashMap<>();

  DocumentPool(int capacity) {
    this.capacity = capacity;
  }

  /** Adds a document unless its key is known or the pool is full; the ids are copied. */
  boolean add(long key, int[] ids) {
    if (features.size() >= capacity || index.containsKey(key)) {
      return false;
    }
    int at = features.size();
    if (at == keys.length) {
      keys = Arrays.copyOf(keys, 2 * at);
    }
    keys[at] = key;
    features.add(ids.clone());
    index.put(key, at);
    return true;
  }

  int capacity() {
    return capacity;
  }

  /** Replaces the contents by the given documents, in this order (a saved pool: keys distinct, at most capacity). */
  void restore(long[] savedKeys, int[][] savedIds) {
    if (savedKeys.length > capacity || savedKeys.length != savedIds.length) {
      throw new IllegalArgumentException(savedKeys.length + " documents for a pool of capacity " + capacity);
    }
    features.clear();
    index.clear();
    keys = new long[Math.max(1024, savedKeys.length)];
    for (int d = 0; d < savedKeys.length; d++) {
      if (!add(savedKeys[d], savedIds[d])) {
        throw new IllegalArgumentException("document key " + savedKeys[d] + " is pooled twice");
      }
    }
  }

  int size() {
    return features.size();
  }

  long key(int i) {
    return keys[i];
  }

  /** The feature ids of document i; callers must not modify them. */
  int[] ids(int i) {
    return features.get(i);
  }

  /** Documents {@code 0..count-1}, as a read-only view. */
  List<int[]> first(int count) {
    return java.util.Collections.unmodifiableList(features.subList(0, count));
  }

  /** The index of a key, or -1. */
  int indexOf(long key) {
    Integer at = index.get(key);
    return at == null ? -1 : at;
  }
}
