package dev.dualstream.trainer.encoder;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link Tower} starts from for sequences {@code from..to-1} of a batch: the leaf array
 * built from the table (the pooled rows of the bag model, the padded token rows of the Transformer)
 * and the batch it came from, which says how the leaf's gradient reaches the table rows.
 */
public record TowerInput(NDArray leaf, RowBatch batch, int from, int to) {

  /** Number of sequences. */
  public int count() {
    return to - from;
  }
}
