package dev.dualstream.evaluator.metrics;

import java.util.List;
import java.util.Map;

/**
 * Sums per-query metrics and averages them. Queries without a relevant document are skipped, as
 * they carry no information about a ranking (BEIR and trec_eval do the same). Not thread-safe.
 */
public final class MetricAccumulator {
  private int queries;
  private double recallAt1;
  private double recallAt10;
  private double recallAt100;
  private double mrrAt10;
  private double ndcgAt10;

  /**
   * Adds one query's ranking.
   *
   * @return false, adding nothing, when the judgments have no relevant document
   */
  public boolean add(List<String> ranking, Map<String, Integer> judgments) {
    if (RankingMetrics.relevantCount(judgments) == 0) {
      return false;
    }
    queries++;
    recallAt1 += RankingMetrics.recall(ranking, judgments, 1);
    recallAt10 += RankingMetrics.recall(ranking, judgments, 10);
    recallAt100 += RankingMetrics.recall(ranking, judgments, 100);
    mrrAt10 += RankingMetrics.reciprocalRank(ranking, judgments, 10);
    ndcgAt10 += RankingMetrics.ndcg(ranking, judgments, 10);
    return true;
  }

  /** The averages so far (all zero before the first query). */
  public MetricSummary summary() {
    if (queries == 0) {
      return new MetricSummary(0, 0, 0, 0, 0, 0);
    }
    return new MetricSummary(queries, recallAt1 / queries, recallAt10 / queries, recallAt100 / queries,
        mrrAt10 / queries, ndcgAt10 / queries);
  }
}
