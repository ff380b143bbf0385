package dev.dualstream.trainer.negatives;

import java.nio.charset.StandardCharsets;

/**
 * 64-bit keys for documents, as the negative cache, the popularity estimate and the document pool
 * identify them, and for queries, as the memory of clicked documents does: a hash of the document id (FNV-1a over UTF-8, then a 64-bit finaliser). With 64
 * bits, a million documents collide with probability about 3e-8.
 */
public final class DocKeys {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private DocKeys() {}

  /** The key of a document id. */
  public static long of(String docId) {
    long h = FNV_OFFSET;
    for (byte b : docId.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    return mix(h);
  }

  /**
   * A key for a document known only by its feature ids (a pair built without an id): documents
   * with the same features share a key, which is what a cache of their embeddings wants anyway.
   */
  public static long ofFeatures(int[] ids) {
    long h = FNV_OFFSET ^ 0x5bd1e995L;
    for (int id : ids) {
      h = (h ^ id) * FNV_PRIME;
    }
    return mix(h);
  }

  /**
   * The key of a query known by its feature ids: queries the model cannot tell apart share one.
   * Salted differently from {@link #ofFeatures}, so a query and a document with the same ids differ.
   */
  public static long ofQuery(int[] ids) {
    long h = FNV_OFFSET ^ 0x2f6b3a1dL;
    for (int id : ids) {
      h = (h ^ id) * FNV_PRIME;
    }
    return mix(h);
  }

  /** SplitMix64's finaliser: spreads every input bit over the whole key. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
