package dev.dualstream.trainer.model;

/**
 * What one optimizer step did.
 *
 * @param step the step number, starting at 1
 * @param batchSize pairs in the batch
 * @param loss mean in-batch softmax cross-entropy before the update
 * @param accuracy fraction of queries whose own document scored highest in the batch
 * @param touchedRows distinct embedding rows the batch read and updated
 * @param forwardNanos gathering rows, both towers and the loss
 * @param backwardNanos backpropagation
 * @param optimizerNanos lazy Adam on the touched rows plus Adam on the dense layers
 */
public record StepResult(
    long step,
    int batchSize,
    float loss,
    float accuracy,
    int touchedRows,
    long forwardNanos,
    long backwardNanos,
    long optimizerNanos) {

  /** Wall time of the step. */
  public long totalNanos() {
    return forwardNanos + backwardNanos + optimizerNanos;
  }
}
