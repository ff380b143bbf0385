package dev.dualstream.evaluator.metrics;

/**
 * Metrics averaged over the queries of a split that have at least one relevant document.
 *
 * @param queries number of queries averaged over
 */
public record MetricSummary(int queries, double recallAt1, double recallAt10, double recallAt100, double mrrAt10,
    double ndcgAt10) {

  /** Deepest cutoff any metric looks at: rankings need this many results. */
  public static final int DEPTH = 100;
}
