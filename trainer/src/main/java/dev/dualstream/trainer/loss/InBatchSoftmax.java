package dev.dualstream.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Softmax cross-entropy with in-batch negatives: query i's positive is document i and every other
 * document of the batch is a negative.
 *
 * <p>With unit-length embeddings q and d, the scores are {@code s = scale * q d^T} (a B x B matrix)
 * and the loss is {@code -1/B sum_i log softmax(s_i)_i}. The scale (a temperature of 1/scale) is
 * needed because cosines lie in [-1, 1]: unscaled, the softmax cannot get close to one-hot.
 */
public final class InBatchSoftmax {

  private InBatchSoftmax() {}

  /** The loss and the score matrix it came from. */
  public record Result(NDArray loss, NDArray scores) {}

  /**
   * The mean loss over the batch. Results belong to the manager of {@code queries}.
   *
   * @param queries B x D query embeddings
   * @param documents B x D document embeddings, row i the positive of query i
   * @param scale multiplier of the dot products
   */
  public static Result compute(NDArray queries, NDArray documents, float scale) {
    long batch = queries.getShape().get(0);
    if (documents.getShape().get(0) != batch) {
      throw new IllegalArgumentException(
          "need as many documents as queries, got " + documents.getShape() + " and "
              + queries.getShape());
    }
    NDManager m = queries.getManager();
    NDArray scores = queries.matMul(documents.transpose()).mul(Scalars.of(m, scale));
    NDArray positives = scores.logSoftmax(1).mul(m.eye((int) batch));
    NDArray loss = positives.sum().div(Scalars.of(m, -batch));
    return new Result(loss, scores);
  }

  /** How many rows of a B x B row-major score matrix rank their own column first (ties lose). */
  public static int correct(float[] scores, int batch) {
    int correct = 0;
    for (int i = 0; i < batch; i++) {
      float own = scores[i * batch + i];
      boolean best = true;
      for (int j = 0; j < batch && best; j++) {
        best = j == i || scores[i * batch + j] < own;
      }
      if (best) {
        correct++;
      }
    }
    return correct;
  }
}
