package dev.dualstream.trainer.model;

/**
 * What one optimizer step did.
 *
 * @param step the step number, starting at 1
 * @param batchSize pairs in the batch
 * @param loss mean loss before the update: in-batch softmax cross-entropy by default; with other
 *     negatives, the loss over each query's candidates (for cross-entropy with the negative cache,
 *     the paper's interpretable loss {@code -log p_pos})
 * @param accuracy fraction of queries whose own document outscored every negative document
 * @param touchedRows distinct embedding rows the batch read and updated
 * @param forwardNanos deduplicating ids, pooling the bags from the table, the tower and the loss
 *     (with other negatives than in-batch, also drawing them)
 * @param backwardNanos backpropagation through the tower to the pooled bags
 * @param optimizerNanos the bags' gradient spread over the touched rows, fused with their lazy
 *     Adam update, plus Adam on the dense layers (with a negative cache, also writing back to it)
 * @param cacheSize entries in the negative cache after the step; 0 without a cache
 * @param cacheStaleness mean relative squared error {@code ||e_cached - e_fresh||^2 / ||e_fresh||^2}
 *     of the negatives drawn from the cache in this step; NaN without a cache or a draw
 */
public record StepResult(
    long step,
    int batchSize,
    float loss,
    float accuracy,
    int touchedRows,
    long forwardNanos,
    long backwardNanos,
    long optimizerNanos,
    int cacheSize,
    double cacheStaleness) {

  /** A step without a negative cache. */
  public StepResult(long step, int batchSize, float loss, float accuracy, int touchedRows,
      long forwardNanos, long backwardNanos, long optimizerNanos) {
    this(step, batchSize, loss, accuracy, touchedRows, forwardNanos, backwardNanos, optimizerNanos, 0,
        Double.NaN);
  }

  /** Wall time of the step. */
  public long totalNanos() {
    return forwardNanos + backwardNanos + optimizerNanos;
  }
}
