package dev.dualstream.trainer.negatives;

/** The sources of negatives a query's candidates can come from; any of them can be combined. */
public enum NegativeSource {
  /** The positives of the other examples in the batch: drawn in proportion to popularity. */
  IN_BATCH,
  /**
   * One negative per query drawn from the negative cache by Gumbel-max over stale scores and
   * re-encoded (Lindgren et al., NeurIPS 2021). Its draw probability is known exactly and is always
   * accounted for: that is the paper's estimator.
   */
  CACHE,
  /** Results shown above the click and not clicked, as logged: the logging ranker's hard negatives. */
  SKIP_ABOVE,
  /** Documents drawn uniformly from the documents the trainer knows. */
  UNIFORM,
  /**
   * Softmax over every known document, the ceiling of the cache: the negative cache's estimator
   * over a cache that holds the whole document pool, re-encoded every few hundred steps and written
   * back with the drawn negatives and the positives in between.
   */
  CORPUS
}
