package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.RetrievalModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Clicks kept out of training, in batches of the training batch, on which a model is scored as it
 * trains: each query against the batch's clicked documents, its own click the right answer. Scoring
 * never touches the model.
 */
final class HeldOutClicks {
  private final List<List<ClickLogExamples.Example>> batches = new ArrayList<>();
  private final double scale;

  /**
   * @param clicks the held-out clicks; a last partial batch is left out
   * @param scale the model's softmax scale
   * @throws IllegalArgumentException if they make no batch
   */
  HeldOutClicks(List<ClickLogExamples.Example> clicks, int batch, double scale) {
    for (int from = 0; from + batch <= clicks.size(); from += batch) {
      batches.add(clicks.subList(from, from + batch));
    }
    if (batches.isEmpty()) {
      throw new IllegalArgumentException(clicks.size() + " held-out clicks make no batch of " + batch);
    }
    this.scale = scale;
  }

  /** The mean in-batch softmax cross-entropy: {@code -log softmax(scale x q . d)} at each query's own click. */
  double loss(DualEncoderTrainer trainer) {
    double sum = 0;
    int count = 0;
    for (double[][] logits : logits(trainer)) {
      sum += inBatchLoss(logits) * logits.length;
      count += logits.length;
    }
    return sum / count;
  }

  /**
   * The expected calibration error of the in-batch softmax: each query's confidence is the largest
   * probability over its batch's documents, right when that document is its own click, binned as
   * {@link Calibration} bins them.
   */
  double calibrationError(DualEncoderTrainer trainer) {
    Calibration calibration = new Calibration();
    for (double[][] logits : logits(trainer)) {
      for (int i = 0; i < logits.length; i++) {
        boolean[] own = new boolean[logits[i].length];
        own[i] = true;
        calibration.add(logits[i], own);
      }
    }
    return calibration.summary().ece();
  }

  /** Per batch, {@code scale x q_i . d_j} for every query i and clicked document j. */
  private List<double[][]> logits(DualEncoderTrainer trainer) {
    List<double[][]> out = new ArrayList<>(batches.size());
    try (RetrievalModel model = trainer.asRetrievalModel()) {
      for (List<ClickLogExamples.Example> batch : batches) {
        float[][] queries = model.embedQueries(batch.stream().map(ClickLogExamples.Example::query).toList());
        float[][] documents = model.embedDocuments(batch.stream().map(ClickLogExamples.Example::positive).toList());
        double[][] logits = new double[queries.length][documents.length];
        for (int i = 0; i < queries.length; i++) {
          for (int j = 0; j < documents.length; j++) {
            double dot = 0;
            for (int k = 0; k < queries[i].length; k++) {
              dot += queries[i][k] * documents[j][k];
            }
            logits[i][j] = scale * dot;
          }
        }
        out.add(logits);
      }
    }
    return out;
  }

  /** The mean over rows of {@code logsumexp(row) - row[i]}: the cross-entropy of row i's own column. */
  static double inBatchLoss(double[][] logits) {
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      for (double logit : logits[i]) {
        max = Math.max(max, logit);
      }
      double partition = 0;
      for (double logit : logits[i]) {
        partition += Math.exp(logit - max);
      }
      total += max + Math.log(partition) - logits[i][i];
    }
    return total / logits.length;
  }
}
