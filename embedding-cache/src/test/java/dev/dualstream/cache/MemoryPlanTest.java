package dev.dualstream.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Memory is planned: within 1.2x of the raw contents, and the plan is what the cache really allocates. */
class MemoryPlanTest {

  @ParameterizedTest(name = "maxFeatures={0}, topK={1}")
  @CsvSource({"0, 0", "16, 0", "64, 0", "256, 0", "64, 64", "64, 1000"})
  void aMillionEntriesOfDim128StayWithinTwentyPercentOfRaw(int maxFeatures, int topK) {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(1_000_000).dim(128).maxFeatures(maxFeatures);
    MemoryPlan plan = (topK == 0 ? builder : builder.topK(topK)).memoryPlan();
    long raw = 1_000_000L * (4 * 128 + 4L * maxFeatures + 8);
    assertEquals(raw, plan.rawBytes());
    assertTrue(plan.ratio() <= 1.2, plan + " ratio " + plan.ratio());
    assertTrue(plan.allocatedBytes() < 2L << 30, "a million entries must fit a small heap: " + plan);
  }

  @ParameterizedTest(name = "topK={0}")
  @CsvSource({"0", "50"})
  void thePlanIsWhatTheCacheAllocates(int topK) {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(10_000).dim(128).maxFeatures(64);
    if (topK > 0) {
      builder.topK(topK);
    }
    MemoryPlan plan = builder.memoryPlan();
    ArrayNegativeCache cache = (ArrayNegativeCache) builder.build();
    assertEquals(plan.allocatedBytes(), cache.allocatedBytes());
    assertEquals(plan, cache.memoryPlan());
    assertTrue(plan.ratio() <= 1.2, "ratio " + plan.ratio());
  }

  @Test
  void theRawFigureCountsKeysFeaturesAndEmbeddings() {
    MemoryPlan plan = NegativeCache.builder().capacity(10).dim(3).maxFeatures(2).memoryPlan();
    assertEquals(10L * (12 + 8 + 8), plan.rawBytes());
    assertTrue(plan.allocatedBytes() > plan.rawBytes());
  }
}
