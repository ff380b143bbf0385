package dev.dualstream.cache;

import static dev.dualstream.cache.Fixtures.chiSquare;
import static dev.dualstream.cache.Fixtures.chiSquareCritical;
import static dev.dualstream.cache.Fixtures.logit;
import static dev.dualstream.cache.Fixtures.repeat;
import static dev.dualstream.cache.Fixtures.unitQueries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Draws follow the softmax of the stale scores (exact mode) or of the grouped maxima (top-k mode). */
class GumbelSamplingTest {
  private static final long NOT_CACHED = -1L;

  @Test
  void exactDrawsFollowSoftmaxWithinOneGroup() {
    SplittableRandom random = new SplittableRandom(1);
    int entries = 16;
    NegativeCache cache = Fixtures.logitCache(entries).build();
    double[] logits = new double[entries];
    for (int j = 0; j < entries; j++) {
      logits[j] = 3 * random.nextDouble() - 1.5;
      cache.insert(j, new int[] {j}, logit(logits[j]), 0L);
    }
    long[] counts = new long[entries];
    long draws = drawMany(cache, 100, 200, NOT_CACHED, counts);

    double[] p = softmax(asFloatScores(logits));
    double statistic = chiSquare(counts, p, draws);
    assertTrue(statistic < chiSquareCritical(entries - 1),
        "chi-square " + statistic + " for " + Arrays.toString(counts));
  }

  /**
   * 1000 entries span four sampling groups; 20 hot entries are spread unevenly over three of them, so a wrong
   * group-level draw would show. The queries' excluded entries (the positive alone, or a set of hot entries in
   * several groups, at group edges, named twice and next to a key that is not cached) must get no mass, and the
   * rest must follow softmax over what remains.
   */
  @ParameterizedTest(name = "excluded={0}")
  @MethodSource("exclusions")
  void exactDrawsFollowSoftmaxAcrossGroupsAndSkipTheExcluded(long[] excluded) {
    int entries = 1000;
    NegativeCache cache = Fixtures.logitCache(1024).build();
    int[] hot = {3, 17, 40, 41, 99, 100, 180, 200, 254, 255, 256, 300, 600, 601, 610, 700, 710, 711, 712, 713};
    Set<Integer> hotSet = new HashSet<>();
    double[] logits = new double[entries];
    for (int h : hot) {
      hotSet.add(h);
      logits[h] = 4 + 0.1 * (h % 7);
    }
    for (int j = 0; j < entries; j++) {
      cache.insert(j, new int[0], logit(logits[j]), 0L);
    }
    Set<Integer> out = new HashSet<>();
    for (long key : excluded) {
      if (key >= 0 && key < entries) {
        out.add((int) key);
      }
    }
    long[] counts = new long[entries];
    long draws = drawMany(cache, 200, 200, excluded, counts);
    double[] scores = asFloatScores(logits);
    for (int j : out) {
      assertEquals(0, counts[j], "excluded entry " + j + " was drawn");
      scores[j] = Double.NEGATIVE_INFINITY;
    }
    Sample one = cache.sample(unitQueries(1), new long[][] {excluded});
    assertEquals(entries - out.size(), one.candidates(0));
    assertEquals(Fixtures.logSumExp(scores), one.logPartition(0), 1e-9);

    // Bins: each hot entry not excluded, plus the cold entries of each 256-slot group pooled.
    double[] p = softmax(scores);
    int bins = hot.length - out.size() + 4;
    long[] observed = new long[bins];
    double[] expected = new double[bins];
    int bin = 0;
    for (int h : hot) {
      if (!out.contains(h)) {
        observed[bin] = counts[h];
        expected[bin++] = p[h];
      }
    }
    for (int j = 0; j < entries; j++) {
      if (!hotSet.contains(j)) {
        observed[bin + j / 256] += counts[j];
        expected[bin + j / 256] += p[j];
      }
    }
    double statistic = chiSquare(observed, expected, draws);
    assertTrue(statistic < chiSquareCritical(bins - 1),
        "chi-square " + statistic + " observed " + Arrays.toString(observed));
  }

  static Stream<long[]> exclusions() {
    return Stream.of(new long[] {600}, new long[] {600, 3, 255, 256, 713, 255, 5000});
  }

  @Test
  void logProbabilityAndPartitionAreTheSoftmaxOfTheStaleScores() {
    SplittableRandom random = new SplittableRandom(2);
    NegativeCache cache = NegativeCache.builder().capacity(700).dim(8).maxFeatures(1).scale(3f).seed(5L).build();
    for (int j = 0; j < 650; j++) {
      cache.insert(1000 + j, new int[] {j}, Fixtures.gaussian(random, 8), 0L);
    }
    float[] queries = Fixtures.gaussian(random, 8 * 5);
    long[] positives = {1000, 1001, 5, 1649, 77};
    Sample sample = cache.sample(queries, positives);
    for (int i = 0; i < 5; i++) {
      double[] scores = new double[650];
      for (int j = 0; j < 650; j++) {
        float[] e = cache.get(1000 + j).orElseThrow().embedding();
        float[] q = Arrays.copyOfRange(queries, 8 * i, 8 * i + 8);
        for (int k = 0; k < 8; k++) {
          q[k] *= 3f;
        }
        scores[j] = ScoreKernel.dot(q, 0, e, 0, 8);
        if (1000 + j == positives[i]) {
          scores[j] = Double.NEGATIVE_INFINITY;
        }
      }
      double logPartition = Fixtures.logSumExp(scores);
      int drawn = (int) (sample.docKey(i) - 1000);
      assertEquals(logPartition, sample.logPartition(i), 1e-9);
      assertEquals(scores[drawn], sample.staleScore(i), 0.0);
      assertEquals(scores[drawn] - logPartition, sample.logProbability(i), 1e-9);
      assertEquals(positives[i] >= 1000 && positives[i] < 1650 ? 649 : 650, sample.candidates(i));
      assertEquals(drawn, sample.features(i)[0]);
    }
  }

  @Test
  void topKDrawsFollowSoftmaxOverTheGroupMaxima() {
    SplittableRandom random = new SplittableRandom(3);
    int capacity = 64;
    int k = 8;
    NegativeCache cache = Fixtures.logitCache(capacity).topK(k).build();
    double[] logits = new double[capacity];
    for (int j = 0; j < capacity; j++) {
      logits[j] = 4 * random.nextDouble() - 2;
      cache.insert(j, new int[0], logit(logits[j]), 0L);
    }
    long[] counts = new long[capacity];
    long draws = drawMany(cache, 100, 200, NOT_CACHED, counts);

    double[] scores = asFloatScores(logits);
    double[] maxima = new double[k];
    int[] argmax = new int[k];
    for (int g = 0; g < k; g++) {
      for (int j = g * 8; j < g * 8 + 8; j++) {
        if (j == g * 8 || scores[j] > maxima[g]) {
          maxima[g] = scores[j];
          argmax[g] = j;
        }
      }
    }
    long[] observed = new long[k];
    long total = 0;
    for (int g = 0; g < k; g++) {
      observed[g] = counts[argmax[g]];
      total += observed[g];
    }
    assertEquals(draws, total, "every draw must be the maximum of its group");
    double statistic = chiSquare(observed, softmax(maxima), draws);
    assertTrue(statistic < chiSquareCritical(k - 1), "chi-square " + statistic);
  }

  @Test
  void topKDrawsOnlyFromTheKHighestWhenTheyFallInDistinctGroups() {
    int capacity = 64;
    NegativeCache cache = Fixtures.logitCache(capacity).topK(8).build();
    Set<Long> topEight = new HashSet<>();
    SplittableRandom random = new SplittableRandom(4);
    for (int j = 0; j < capacity; j++) {
      boolean top = j % 8 == (j / 8);
      double score = top ? 1 + random.nextDouble() : -random.nextDouble();
      if (top) {
        topEight.add((long) j);
      }
      cache.insert(j, new int[0], logit(score), 0L);
    }
    Sample sample = cache.sample(unitQueries(2000), repeat(NOT_CACHED, 2000));
    Set<Long> drawn = new HashSet<>();
    for (int i = 0; i < sample.size(); i++) {
      assertTrue(topEight.contains(sample.docKey(i)), "drew " + sample.docKey(i));
      assertEquals(8, sample.candidates(i));
      drawn.add(sample.docKey(i));
    }
    assertEquals(topEight, drawn);
  }

  @Test
  void sameSeedAndCallsGiveSameDrawsAndOtherSeedsDiffer() {
    Sample a = populated(7L).sample(unitQueries(50), repeat(3L, 50));
    Sample b = populated(7L).sample(unitQueries(50), repeat(3L, 50));
    Sample c = populated(8L).sample(unitQueries(50), repeat(3L, 50));
    assertEquals(a, b);
    assertNotEquals(a, c);
  }

  @Test
  void aCallerSuppliedRandomSourceLeavesTheCachesOwnUntouched() {
    NegativeCache cache = populated(7L);
    byte[] before = cache.snapshot();
    Sample first = cache.sample(unitQueries(50), repeat(3L, 50), new SplittableRandom(99));
    Sample second = cache.sample(unitQueries(50), repeat(3L, 50), new SplittableRandom(99));
    assertEquals(first, second);
    assertTrue(Arrays.equals(before, cache.snapshot()));
    assertNotEquals(cache.sample(unitQueries(50), repeat(3L, 50)), cache.sample(unitQueries(50), repeat(3L, 50)));
  }

  @Test
  void tiledAndSingleScoresAreBitIdentical() {
    SplittableRandom random = new SplittableRandom(6);
    int dim = 37;
    float[] queries = Fixtures.gaussian(random, 3 * dim);
    float[] embeddings = Fixtures.gaussian(random, 21 * dim);
    float[] out = new float[3 * 32];
    ScoreKernel.scoreTile(queries, 0, 3, dim, embeddings, 2, 19, out, 32);
    for (int b = 0; b < 3; b++) {
      for (int t = 0; t < 19; t++) {
        float single = ScoreKernel.dot(queries, b * dim, embeddings, (2 + t) * dim, dim);
        assertEquals(Float.floatToIntBits(single), Float.floatToIntBits(out[b * 32 + t]));
      }
    }
  }

  private static NegativeCache populated(long seed) {
    NegativeCache cache = Fixtures.logitCache(300).seed(seed).build();
    for (int j = 0; j < 300; j++) {
      cache.insert(j, new int[] {j}, logit(0.01 * (j % 13)), 0L);
    }
    return cache;
  }

  /** Draws {@code calls x batch} times with the unit query and counts how often each key (= slot) came up. */
  private static long drawMany(NegativeCache cache, int calls, int batch, long positive, long[] counts) {
    return drawMany(cache, calls, batch, new long[] {positive}, counts);
  }

  /** As above, every query excluding the same keys. */
  private static long drawMany(NegativeCache cache, int calls, int batch, long[] excluded, long[] counts) {
    long[][] perQuery = new long[batch][];
    Arrays.fill(perQuery, excluded);
    for (int call = 0; call < calls; call++) {
      Sample sample = cache.sample(unitQueries(batch), perQuery);
      for (int i = 0; i < batch; i++) {
        counts[(int) sample.docKey(i)]++;
      }
    }
    return (long) calls * batch;
  }

  /** The scores the cache computes: logits rounded to float, as stored. */
  private static double[] asFloatScores(double[] logits) {
    double[] scores = new double[logits.length];
    for (int j = 0; j < logits.length; j++) {
      scores[j] = (float) logits[j];
    }
    return scores;
  }

  private static double[] softmax(double[] scores) {
    double logPartition = Fixtures.logSumExp(scores);
    double[] p = new double[scores.length];
    for (int j = 0; j < scores.length; j++) {
      p[j] = Math.exp(scores[j] - logPartition);
    }
    return p;
  }
}
