package dev.dualstream.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments fail at once with a message that names the problem. */
class ArgumentsTest {

  @Test
  void builderRejectsBadSettings() {
    expect("capacity must be in [1, 268435456], got 0", () -> NegativeCache.builder().capacity(0));
    expect("capacity must be in [1, 268435456], got 268435457",
        () -> NegativeCache.builder().capacity((1 << 28) + 1));
    expect("dim must be at least 1, got 0", () -> NegativeCache.builder().dim(0));
    expect("maxFeatures must be at least 0, got -1", () -> NegativeCache.builder().maxFeatures(-1));
    expect("topK must be at least 1, got 0 (use exact() for exact sampling)", () -> NegativeCache.builder().topK(0));
    expect("scale must be a finite number > 0, got NaN", () -> NegativeCache.builder().scale(Float.NaN));
    expect("scale must be a finite number > 0, got Infinity",
        () -> NegativeCache.builder().scale(Float.POSITIVE_INFINITY));
    expect("scale must be a finite number > 0, got 0.0", () -> NegativeCache.builder().scale(0f));
  }

  @Test
  void builderRejectsBadCombinations() {
    expect("topK 7 must divide capacity 100: the approximate top-k takes the maximum of each of topK equal groups"
        + " of slots", () -> NegativeCache.builder().capacity(100).dim(4).maxFeatures(1).topK(7).build());
    expect("topK must be in [1, capacity 10] (or exact), got 20",
        () -> NegativeCache.builder().capacity(10).dim(4).maxFeatures(1).topK(20).build());
    expect("capacity x dim = 4294967296 exceeds the largest Java array; lower the capacity",
        () -> NegativeCache.builder().capacity(1 << 24).dim(256).maxFeatures(1).memoryPlan());
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> NegativeCache.builder().capacity(10).maxFeatures(1).build());
    assertEquals("dim is required; call dim(...) before build()", missing.getMessage());
  }

  @Test
  void insertAndRefreshRejectBadEntries() {
    NegativeCache cache = NegativeCache.builder().capacity(4).dim(3).maxFeatures(2).build();
    expect("embedding of document 7 has 2 values, expected dim 3",
        () -> cache.insert(7, new int[0], new float[2], 0L));
    expect("document 7 has 3 feature ids, more than maxFeatures 2",
        () -> cache.insert(7, new int[3], new float[3], 0L));
    expect("embedding of document 7 has a non-finite value at index 1: NaN",
        () -> cache.insert(7, new int[0], new float[] {0, Float.NaN, 0}, 0L));
    expect("fresh embedding of document 7 has a non-finite value at index 2: Infinity",
        () -> cache.refresh(7, new float[] {0, 0, Float.POSITIVE_INFINITY}, 0L));
    assertThrows(NullPointerException.class, () -> cache.insert(7, null, new float[3], 0L));
    assertEquals(0, cache.size(), "nothing was written");
  }

  @Test
  void sampleAndOldestRejectBadCalls() {
    NegativeCache cache = NegativeCache.builder().capacity(4).dim(3).maxFeatures(2).build();
    expect("queries has 4 floats, not a multiple of dim 3 (expected B x dim, row-major)",
        () -> cache.sample(new float[4], new long[1]));
    expect("excluded keys for 1 of 2 queries; pass one positive key (or one set of keys) per query",
        () -> cache.sample(new float[6], new long[1]));
    expect("excluded keys for 3 of 2 queries; pass one positive key (or one set of keys) per query",
        () -> cache.sample(new float[6], new long[3][]));
    assertThrows(NullPointerException.class, () -> cache.sample(new float[6], new long[][] {{1}, null}));
    expect("query 1 has a non-finite value at index 0: -Infinity",
        () -> cache.sample(new float[] {0, 0, 0, Float.NEGATIVE_INFINITY, 0, 0}, new long[2]));
    expect("count must be at least 0, got -1", () -> cache.oldest(-1));
    assertEquals(0, cache.sample(new float[0], new long[0]).size());
  }

  private static void expect(String message, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(message, e.getMessage());
    assertTrue(e.getStackTrace().length > 0);
  }
}
