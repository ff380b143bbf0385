package dev.dualstream.cache;

import static dev.dualstream.cache.Fixtures.logit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Streaming insertion replaces the oldest entry; refreshes and updates make an entry young. */
class ReplacementTest {

  @Test
  void theOldestEntryGoesFirstAndARefreshedOneCountsAsYoung() {
    NegativeCache cache = Fixtures.logitCache(3).build();
    assertTrue(cache.insert(1, new int[0], logit(0), 0L));
    cache.insert(2, new int[0], logit(0), 0L);
    cache.insert(3, new int[0], logit(0), 0L);
    cache.advance();
    cache.refresh(1, logit(1), 1L);

    cache.insert(4, new int[0], logit(0), 1L);
    assertEquals(List.of(1L, 3L, 4L), cachedKeys(cache));
    cache.insert(5, new int[0], logit(0), 1L);
    assertEquals(List.of(1L, 4L, 5L), cachedKeys(cache));
    cache.insert(6, new int[0], logit(0), 1L);
    assertEquals(List.of(4L, 5L, 6L), cachedKeys(cache));
    assertEquals(3, cache.stats().evictions());
  }

  @Test
  void reinsertingACachedDocumentRewritesItInsteadOfDuplicatingIt() {
    NegativeCache cache = Fixtures.logitCache(3).build();
    cache.insert(1, new int[] {1}, logit(0), 0L);
    cache.insert(2, new int[] {2}, logit(0), 0L);
    cache.advance();
    assertFalse(cache.insert(1, new int[] {7, 8}, logit(2), 4L));
    assertEquals(2, cache.size());
    CacheEntry updated = cache.get(1).orElseThrow();
    assertArrayEquals(new int[] {7, 8}, updated.features());
    assertEquals(4L, updated.modelVersion());
    assertEquals(0, updated.age());
    assertEquals(List.of(2L, 1L), oldestFirst(cache));
    assertEquals(1, cache.stats().updates());
  }

  @Test
  void agesCountStepsSinceTheLastWrite() {
    NegativeCache cache = Fixtures.logitCache(4).build();
    cache.insert(1, new int[0], logit(0), 0L);
    cache.advance();
    cache.advance();
    cache.insert(2, new int[0], logit(0), 0L);
    cache.advance();
    assertEquals(List.of(3L, 1L), cache.oldest(10).stream().map(CacheEntry::age).toList());
    CacheStats stats = cache.stats();
    assertEquals(3, stats.step());
    assertEquals(3, stats.maxAge());
    assertEquals(2.0, stats.meanAge(), 1e-12);
    assertEquals(List.of(1L), cache.oldest(1).stream().map(CacheEntry::docKey).toList());
  }

  @Test
  void stalenessIsTheRelativeSquaredErrorOfTheLastStepsRefreshes() {
    NegativeCache cache = Fixtures.logitCache(4).build();
    cache.insert(1, new int[0], new float[] {1, 0}, 0L);
    cache.insert(2, new int[0], new float[] {0, 2}, 0L);
    assertTrue(Double.isNaN(cache.stats().staleness()));
    assertEquals(2.0, cache.refresh(1, new float[] {0, 1}, 1L), 1e-12);
    assertEquals(0.0, cache.refresh(2, new float[] {0, 2}, 1L), 1e-12);
    assertTrue(Double.isNaN(cache.refresh(3, new float[] {0, 1}, 1L)), "an uncached key is not refreshed");
    assertTrue(Double.isNaN(cache.refresh(2, new float[] {0, 0}, 1L)), "a zero embedding has no relative error");
    assertArrayEquals(new float[] {0, 0}, cache.get(2).orElseThrow().embedding());
    cache.advance();
    CacheStats stats = cache.stats();
    assertEquals(1.0, stats.staleness(), 1e-12);
    assertEquals(2, stats.stalenessSamples());
    assertEquals(3, stats.refreshes());
    assertEquals(1L, cache.get(1).orElseThrow().modelVersion());
    cache.advance();
    assertTrue(Double.isNaN(cache.stats().staleness()), "the next step had no refresh");
  }

  /** A seeded random walk of inserts and refreshes against a plain model of LRU order. */
  @Test
  void randomOperationsMatchAnLruModel() {
    SplittableRandom random = new SplittableRandom(21);
    int capacity = 37;
    NegativeCache cache = Fixtures.logitCache(capacity).build();
    Map<Long, Integer> model = new LinkedHashMap<>();
    for (int op = 0; op < 20_000; op++) {
      long key = random.nextInt(90);
      int value = 1 + random.nextInt(1000);
      if (random.nextInt(3) == 0) {
        double staleness = cache.refresh(key, logit(value), op);
        assertEquals(model.containsKey(key), !Double.isNaN(staleness));
        if (model.containsKey(key)) {
          model.remove(key);
          model.put(key, value);
        }
      } else {
        boolean fresh = cache.insert(key, new int[] {value}, logit(value), op);
        assertEquals(!model.containsKey(key), fresh);
        model.remove(key);
        if (model.size() == capacity) {
          model.remove(model.keySet().iterator().next());
        }
        model.put(key, value);
      }
      if (random.nextInt(10) == 0) {
        cache.advance();
      }
    }
    assertEquals(new ArrayList<>(model.keySet()), oldestFirst(cache));
    for (Map.Entry<Long, Integer> e : model.entrySet()) {
      assertEquals((float) e.getValue(), cache.get(e.getKey()).orElseThrow().embedding()[0]);
    }
    for (long key = 0; key < 90; key++) {
      assertEquals(model.containsKey(key), cache.get(key).isPresent());
    }
  }

  private static List<Long> cachedKeys(NegativeCache cache) {
    return cache.oldest(cache.capacity()).stream().map(CacheEntry::docKey).sorted().toList();
  }

  private static List<Long> oldestFirst(NegativeCache cache) {
    return cache.oldest(cache.capacity()).stream().map(CacheEntry::docKey).toList();
  }

  private static void assertArrayEquals(int[] expected, int[] actual) {
    assertTrue(Arrays.equals(expected, actual), Arrays.toString(actual));
  }

  private static void assertArrayEquals(float[] expected, float[] actual) {
    assertTrue(Arrays.equals(expected, actual), Arrays.toString(actual));
  }
}
