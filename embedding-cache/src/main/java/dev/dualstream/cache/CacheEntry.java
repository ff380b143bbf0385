package dev.dualstream.cache;

import java.util.Arrays;

/** A copy of one cached entry, as returned by {@link NegativeCache#get} and {@link NegativeCache#oldest}. */
public final class CacheEntry {
  private final long docKey;
  private final int slot;
  private final int[] features;
  private final float[] embedding;
  private final long modelVersion;
  private final long age;

  CacheEntry(long docKey, int slot, int[] features, float[] embedding, long modelVersion, long age) {
    this.docKey = docKey;
    this.slot = slot;
    this.features = features;
    this.embedding = embedding;
    this.modelVersion = modelVersion;
    this.age = age;
  }

  /** The caller's key of the document. */
  public long docKey() {
    return docKey;
  }

  /** The slot the entry occupied when this copy was taken. */
  public int slot() {
    return slot;
  }

  /** The cached feature ids (a copy). */
  public int[] features() {
    return features.clone();
  }

  /** The cached, possibly stale, embedding (a copy). */
  public float[] embedding() {
    return embedding.clone();
  }

  /** The model version that computed the cached embedding. */
  public long modelVersion() {
    return modelVersion;
  }

  /** Steps since the entry was last written (inserted, updated or refreshed). */
  public long age() {
    return age;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CacheEntry e
        && docKey == e.docKey && slot == e.slot && modelVersion == e.modelVersion && age == e.age
        && Arrays.equals(features, e.features) && Arrays.equals(embedding, e.embedding);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(docKey) * 31 + slot;
  }

  @Override
  public String toString() {
    return "CacheEntry{docKey=" + docKey + ", slot=" + slot + ", features=" + features.length
        + ", modelVersion=" + modelVersion + ", age=" + age + "}";
  }
}
