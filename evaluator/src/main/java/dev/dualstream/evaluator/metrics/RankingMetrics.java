package dev.dualstream.evaluator.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-query ranking metrics of a ranked list of document ids against graded judgments (document id
 * to score; a score above zero is relevant). Definitions follow trec_eval/pytrec_eval as BEIR uses
 * them: nDCG takes the score itself as the gain (linear gain, log2 discount), and the ideal ranking
 * is every judged document sorted by score. A document repeated in a ranking counts only at its
 * first position. Every metric is 0 for a query without relevant documents.
 */
public final class RankingMetrics {

  private RankingMetrics() {}

  /** Fraction of the relevant documents that appear in the first {@code k} positions. */
  public static double recall(List<String> ranking, Map<String, Integer> judgments, int k) {
    requirePositive(k);
    int relevant = relevantCount(judgments);
    if (relevant == 0) {
      return 0;
    }
    int found = 0;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      String doc = ranking.get(i);
      if (seen.add(doc) && isRelevant(judgments, doc)) {
        found++;
      }
    }
    return (double) found / relevant;
  }

  /** 1 / rank of the first relevant document within the first {@code k} positions, else 0. */
  public static double reciprocalRank(List<String> ranking, Map<String, Integer> judgments, int k) {
    requirePositive(k);
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      if (isRelevant(judgments, ranking.get(i))) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  /** Normalised discounted cumulative gain of the first {@code k} positions. */
  public static double ndcg(List<String> ranking, Map<String, Integer> judgments, int k) {
    requirePositive(k);
    List<Integer> gains = new ArrayList<>();
    for (int score : judgments.values()) {
      if (score > 0) {
        gains.add(score);
      }
    }
    if (gains.isEmpty()) {
      return 0;
    }
    gains.sort((a, b) -> Integer.compare(b, a));
    double ideal = 0;
    for (int i = 0; i < Math.min(k, gains.size()); i++) {
      ideal += gains.get(i) / log2(i + 2);
    }
    double dcg = 0;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      String doc = ranking.get(i);
      Integer score = judgments.get(doc);
      if (seen.add(doc) && score != null && score > 0) {
        dcg += score / log2(i + 2);
      }
    }
    return dcg / ideal;
  }

  static int relevantCount(Map<String, Integer> judgments) {
    int count = 0;
    for (int score : judgments.values()) {
      if (score > 0) {
        count++;
      }
    }
    return count;
  }

  private static boolean isRelevant(Map<String, Integer> judgments, String doc) {
    Integer score = judgments.get(doc);
    return score != null && score > 0;
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  private static void requirePositive(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("cutoff k must be at least 1, was " + k);
    }
  }
}
