package dev.dualstream.cache;

import static dev.dualstream.cache.Fixtures.logit;
import static dev.dualstream.cache.Fixtures.repeat;
import static dev.dualstream.cache.Fixtures.unitQueries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Never-written slots are not scored, and a query's positive is never its negative. */
class MaskingAndExclusionTest {

  /** Written entries score below 0, so a never-written slot scored as a zero vector would win most draws. */
  @ParameterizedTest(name = "topK={0}")
  @ValueSource(ints = {0, 10})
  void neverWrittenSlotsAreNotScored(int topK) {
    NegativeCacheBuilder builder = Fixtures.logitCache(100);
    NegativeCache cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    cache.insert(70, new int[0], logit(-5), 0L);
    cache.insert(71, new int[0], logit(-6), 0L);
    cache.insert(72, new int[0], logit(-7), 0L);
    Sample sample = cache.sample(unitQueries(1000), repeat(-1L, 1000));
    double logPartition = Fixtures.logSumExp(new double[] {-5, -6, -7});
    for (int i = 0; i < sample.size(); i++) {
      assertTrue(sample.docKey(i) >= 70 && sample.docKey(i) <= 72, "drew key " + sample.docKey(i));
      assertTrue(sample.slot(i) < 3);
      assertEquals(topK == 0 ? 3 : 1, sample.candidates(i));
      if (topK == 0) {
        assertEquals(logPartition, sample.logPartition(i), 1e-9);
      }
    }
  }

  @ParameterizedTest(name = "topK={0}")
  @ValueSource(ints = {0, 5})
  void thePositiveIsNeverDrawnEvenWhenItScoresHighest(int topK) {
    NegativeCacheBuilder builder = Fixtures.logitCache(50);
    NegativeCache cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    for (int j = 0; j < 50; j++) {
      cache.insert(j, new int[0], logit(j == 17 ? 50 : 0), 0L);
    }
    Sample sample = cache.sample(unitQueries(2000), repeat(17L, 2000));
    for (int i = 0; i < sample.size(); i++) {
      assertNotEquals(17L, sample.docKey(i));
      if (topK == 0) {
        assertEquals(Math.log(49), sample.logPartition(i), 1e-9);
      }
    }
    Sample other = cache.sample(unitQueries(20), repeat(3L, 20));
    for (int i = 0; i < other.size(); i++) {
      assertEquals(17L, other.docKey(i), "without the exclusion the dominant entry wins");
    }
  }

  /** Each query has its own set: here the three dominant entries, of which each query leaves out a different two. */
  @ParameterizedTest(name = "topK={0}")
  @ValueSource(ints = {0, 5})
  void eachQueryLeavesOutItsOwnSetOfDocuments(int topK) {
    NegativeCacheBuilder builder = Fixtures.logitCache(50);
    NegativeCache cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    for (int j = 0; j < 50; j++) {
      cache.insert(j, new int[0], logit(j == 7 || j == 17 || j == 27 ? 50 : 0), 0L);
    }
    long[][] excluded = {{7, 17}, {17, 27, 99}, {27, 7, 7}};
    long[] survivor = {27, 7, 17};
    for (int round = 0; round < 200; round++) {
      Sample sample = cache.sample(unitQueries(3), excluded);
      for (int i = 0; i < 3; i++) {
        assertEquals(survivor[i], sample.docKey(i), "the one dominant entry the query did not exclude");
        if (topK == 0) {
          assertEquals(48, sample.candidates(i));
          assertEquals(Fixtures.logSumExp(new double[] {50, Math.log(47)}), sample.logPartition(i), 1e-9);
        }
      }
    }
    long[][] all = {{7, 17, 27}};
    Sample none = cache.sample(unitQueries(1), all);
    assertTrue(none.docKey(0) != 7 && none.docKey(0) != 17 && none.docKey(0) != 27);
  }

  @ParameterizedTest(name = "topK={0}")
  @ValueSource(ints = {0, 1})
  void aQueryWithoutCandidatesHasNoNegativeAndFullPositiveProbability(int topK) {
    NegativeCacheBuilder builder = Fixtures.logitCache(4);
    NegativeCache cache = topK == 0 ? builder.build() : builder.topK(topK).build();
    Sample empty = cache.sample(unitQueries(1), new long[] {5L});
    assertFalse(empty.hasNegative(0));

    cache.insert(5, new int[0], logit(1), 0L);
    Sample onlyPositive = cache.sample(unitQueries(2), new long[] {5L, 6L});
    assertFalse(onlyPositive.hasNegative(0));
    assertEquals(Double.NEGATIVE_INFINITY, onlyPositive.logPartition(0));
    assertEquals(0, onlyPositive.candidates(0));
    assertEquals(1.0, onlyPositive.positiveProbability(0, -3.0));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> onlyPositive.docKey(0));
    assertTrue(e.getMessage().contains("no negative"), e.getMessage());
    assertTrue(onlyPositive.hasNegative(1));
    assertEquals(5L, onlyPositive.docKey(1));
    assertEquals(1.0, onlyPositive.probability(1), 1e-12);
  }

  @ParameterizedTest(name = "positiveScore={0}")
  @ValueSource(doubles = {-800, -1, 0, 2.5, 800})
  void positiveProbabilityIsTheSoftmaxWeightOfThePositive(double positiveScore) {
    NegativeCache cache = Fixtures.logitCache(4).build();
    cache.insert(1, new int[0], logit(0.5), 0L);
    cache.insert(2, new int[0], logit(-1), 0L);
    Sample sample = cache.sample(unitQueries(1), new long[] {9L});
    double logPartition = Fixtures.logSumExp(new double[] {0.5, -1});
    double expected = 1 / (1 + Math.exp(logPartition - positiveScore));
    double actual = sample.positiveProbability(0, positiveScore);
    assertEquals(expected, actual, 1e-12);
    assertTrue(actual >= 0 && actual <= 1);
  }
}
