package dev.dualstream.evaluator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void handComputedValues() {
    List<String> ranking = List.of("a", "b", "c", "d");
    Map<String, Integer> judgments = Map.of("b", 1, "d", 2, "z", 1, "n", 0);

    assertEquals(0.0, RankingMetrics.recall(ranking, judgments, 1), EPS);
    assertEquals(1.0 / 3, RankingMetrics.recall(ranking, judgments, 2), EPS);
    assertEquals(2.0 / 3, RankingMetrics.recall(ranking, judgments, 10), EPS);
    assertEquals(0.5, RankingMetrics.reciprocalRank(ranking, judgments, 10), EPS);
    assertEquals(0.0, RankingMetrics.reciprocalRank(ranking, judgments, 1), EPS);
    double dcg = 1 / log2(3) + 2 / log2(5);
    double ideal = 2 / log2(2) + 1 / log2(3) + 1 / log2(4);
    assertEquals(dcg / ideal, RankingMetrics.ndcg(ranking, judgments, 10), EPS);
  }

  @Test
  void repeatedDocumentsCountOnce() {
    Map<String, Integer> judgments = Map.of("a", 1, "b", 1);
    List<String> ranking = List.of("a", "a", "a");
    assertEquals(0.5, RankingMetrics.recall(ranking, judgments, 10), EPS);
    assertTrue(RankingMetrics.ndcg(ranking, judgments, 10) < 1);
  }

  @Test
  void queryWithoutRelevantDocumentScoresZeroAndIsNotAveraged() {
    Map<String, Integer> judgments = Map.of("a", 0);
    assertEquals(0.0, RankingMetrics.recall(List.of("a"), judgments, 10), EPS);
    assertEquals(0.0, RankingMetrics.ndcg(List.of("a"), judgments, 10), EPS);
    MetricAccumulator accumulator = new MetricAccumulator();
    assertEquals(false, accumulator.add(List.of("a"), judgments));
    assertEquals(true, accumulator.add(List.of("b", "a"), Map.of("a", 1)));
    MetricSummary summary = accumulator.summary();
    assertEquals(1, summary.queries());
    assertEquals(0.5, summary.mrrAt10(), EPS);
    assertEquals(0.0, summary.recallAt1(), EPS);
    assertEquals(1.0, summary.recallAt10(), EPS);
  }

  @Test
  void cutoffMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> RankingMetrics.recall(List.of(), Map.of("a", 1), 0));
  }

  @Test
  void propertiesHoldOnRandomRankings() {
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      List<String> corpus = corpus(5 + random.nextInt(200));
      Map<String, Integer> judgments = randomJudgments(corpus, random);
      List<String> ranking = new ArrayList<>(corpus);
      Collections.shuffle(ranking, random);
      ranking = ranking.subList(0, random.nextInt(ranking.size() + 1));

      double previous = 0;
      for (int k = 1; k <= 120; k++) {
        double recall = RankingMetrics.recall(ranking, judgments, k);
        assertInUnitInterval(recall, "recall", seed);
        assertTrue(recall >= previous, "recall not monotone in k, seed " + seed);
        previous = recall;
        assertInUnitInterval(RankingMetrics.reciprocalRank(ranking, judgments, k), "rr", seed);
        assertInUnitInterval(RankingMetrics.ndcg(ranking, judgments, k), "ndcg", seed);
      }
    }
  }

  @Test
  void perfectRankingScoresOne() {
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      List<String> corpus = corpus(5 + random.nextInt(50));
      Map<String, Integer> judgments = randomJudgments(corpus, random);
      List<String> perfect = new ArrayList<>(corpus);
      Collections.shuffle(perfect, random);
      perfect.sort((a, b) -> Integer.compare(judgments.getOrDefault(b, 0), judgments.getOrDefault(a, 0)));
      long relevant = judgments.values().stream().filter(s -> s > 0).count();

      MetricAccumulator accumulator = new MetricAccumulator();
      accumulator.add(perfect, judgments);
      MetricSummary summary = accumulator.summary();
      assertEquals(1.0, summary.mrrAt10(), 0, "seed " + seed);
      assertEquals(1.0, summary.ndcgAt10(), EPS, "seed " + seed);
      assertEquals(1.0, summary.recallAt100(), 0, "seed " + seed);
      assertEquals(relevant <= 10 ? 1.0 : 10.0 / relevant, summary.recallAt10(), EPS, "seed " + seed);
      assertEquals(1.0 / relevant, summary.recallAt1(), EPS, "seed " + seed);
    }
  }

  @Test
  void summaryStaysInRangeOverManyQueries() {
    Random random = new Random(42);
    MetricAccumulator accumulator = new MetricAccumulator();
    for (int q = 0; q < 500; q++) {
      List<String> corpus = corpus(20 + random.nextInt(150));
      List<String> ranking = new ArrayList<>(corpus);
      Collections.shuffle(ranking, random);
      accumulator.add(ranking, randomJudgments(corpus, random));
    }
    MetricSummary s = accumulator.summary();
    assertEquals(500, s.queries());
    for (double v : new double[] {s.recallAt1(), s.recallAt10(), s.recallAt100(), s.mrrAt10(), s.ndcgAt10()}) {
      assertInUnitInterval(v, "average", 42);
    }
    assertTrue(s.recallAt1() <= s.recallAt10() && s.recallAt10() <= s.recallAt100());
  }

  private static List<String> corpus(int size) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ids.add("d" + i);
    }
    return ids;
  }

  /** At least one relevant document, grades 1 to 3, plus some judged non-relevant ones. */
  private static Map<String, Integer> randomJudgments(List<String> corpus, Random random) {
    Map<String, Integer> judgments = new HashMap<>();
    judgments.put(corpus.get(random.nextInt(corpus.size())), 1 + random.nextInt(3));
    int more = random.nextInt(Math.min(corpus.size(), 30));
    for (int i = 0; i < more; i++) {
      judgments.putIfAbsent(corpus.get(random.nextInt(corpus.size())), random.nextInt(4));
    }
    return judgments;
  }

  private static void assertInUnitInterval(double value, String name, long seed) {
    assertTrue(value >= 0 && value <= 1 + EPS, name + " = " + value + " outside [0, 1], seed " + seed);
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }
}
