package dev.dualstream.trainer.loss;

/**
 * The loss over each query's candidates, given their logits as plain numbers, and the weights
 * that turn it into a differentiable surrogate.
 *
 * <p>Row i holds query i's candidate logits {@code v_i0..v_iK-1}: column 0 is the positive, the
 * others negatives with any corrections already added (logQ, label bias); {@code -infinity} marks
 * an absent candidate. With {@code p_ik = softmax(v_i)_k}, the loss of the row is {@code -log p_i0}
 * (or its PHuber form), and its gradient with respect to the logits is {@code g_i (p_ik -
 * [k = 0])}, {@code g_i} being 1 for cross-entropy and {@link PartialHuber#gradientScale} for
 * PHuber. The weights returned are these gradients divided by the number of rows: the mean loss's
 * gradient equals that of {@code sum_ik w_ik z_ik} when {@code w} is held constant and {@code z_ik}
 * is any differentiable score whose gradient stands for the logit's. That is how the negative
 * cache's estimator is expressed (Lindgren et al., NeurIPS 2021): there the cache's logit is the
 * stale log-partition of the cache while its gradient comes from one re-encoded negative, so the
 * surrogate {@code (1 - p_pos)(s_neg - s_pos)} has exactly these weights.
 */
public final class CandidateSoftmax {
  private CandidateSoftmax() {}

  /**
   * @param loss mean loss over the rows
   * @param positiveProbability mean probability of the positive
   * @param weights row-major, one per logit: the mean loss's gradient with respect to it
   */
  public record Result(double loss, double positiveProbability, float[] weights) {}

  /**
   * @param logits row-major {@code rows x columns}; column 0 must be finite
   * @throws IllegalArgumentException on a length mismatch or a positive logit that is not finite
   */
  public static Result compute(double[] logits, int rows, int columns, LossConfig config) {
    return compute(logits, rows, columns, config, null);
  }

  /**
   * As {@link #compute(double[], int, int, LossConfig)}, each row's loss weighted: the loss is {@code sum_i
   * r_i L_i / sum_i r_i}, and the weights returned are the gradients of that weighted mean. The positive's
   * mean probability stays unweighted.
   *
   * @param rowWeights one positive, finite weight per row; null: all alike
   * @throws IllegalArgumentException also on a row weight that is not positive and finite
   */
  public static Result compute(double[] logits, int rows, int columns, LossConfig config, double[] rowWeights) {
    if (rows < 1 || columns < 1 || logits.length != rows * columns) {
      throw new IllegalArgumentException("need " + rows + " x " + columns + " logits, got " + logits.length);
    }
    double[] share = rowShares(rows, rowWeights);
    float[] weights = new float[logits.length];
    double lossSum = 0;
    double probabilitySum = 0;
    for (int i = 0; i < rows; i++) {
      int base = i * columns;
      if (!Double.isFinite(logits[base])) {
        throw new IllegalArgumentException("the positive's logit of row " + i + " is " + logits[base]);
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < columns; k++) {
        max = Math.max(max, logits[base + k]);
      }
      double sum = 0;
      for (int k = 0; k < columns; k++) {
        sum += Math.exp(logits[base + k] - max);
      }
      double logPartition = max + Math.log(sum);
      double logP = logits[base] - logPartition;
      double scale;
      double rowLoss;
      if (config.kind() == LossConfig.Kind.PHUBER) {
        rowLoss = PartialHuber.loss(logP, config.phuberTau());
        scale = PartialHuber.gradientScale(logP, config.phuberTau());
      } else {
        rowLoss = -logP;
        scale = 1;
      }
      lossSum += rowWeights == null ? rowLoss : share[i] * rowLoss;
      probabilitySum += Math.exp(logP);
      for (int k = 0; k < columns; k++) {
        double p = Math.exp(logits[base + k] - logPartition);
        double gradient = scale * (p - (k == 0 ? 1 : 0));
        // Unweighted, divide by rows rather than multiply by a share: the same bits as before weights existed.
        weights[base + k] = (float) (rowWeights == null ? gradient / rows : gradient * share[i]);
      }
    }
    return new Result(rowWeights == null ? lossSum / rows : lossSum, probabilitySum / rows, weights);
  }

  /** Each row's share of the weighted mean, {@code r_i / sum r}; null without weights. */
  private static double[] rowShares(int rows, double[] rowWeights) {
    if (rowWeights == null) {
      return null;
    }
    double[] share = new double[rows];
    if (rowWeights.length != rows) {
      throw new IllegalArgumentException("need " + rows + " row weights, got " + rowWeights.length);
    }
    double total = 0;
    for (int i = 0; i < rows; i++) {
      if (!(rowWeights[i] > 0) || Double.isInfinite(rowWeights[i])) {
        throw new IllegalArgumentException("row " + i + " has weight " + rowWeights[i] + "; weights must be positive");
      }
      total += rowWeights[i];
    }
    for (int i = 0; i < rows; i++) {
      share[i] = rowWeights[i] / total;
    }
    return share;
  }
}
