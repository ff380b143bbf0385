package dev.dualstream.trainer.loss;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * How the scores of a query's candidates (its positive and its negatives) become a loss.
 * Immutable; {@link #defaults()} is softmax cross-entropy without label bias.
 *
 * @param kind softmax cross-entropy, or its partially Huberised form for noisy clicks
 * @param phuberTau the PHuber threshold tau (&gt; 1): below a positive probability of 1/tau the loss
 *     is linear in it, so the gradient of a likely-mislabelled example is capped; used only by
 *     {@link Kind#PHUBER}
 * @param labelBiasTau tau of the label-bias term: every candidate's logit gains {@code tau x log
 *     pi(d)}, with pi the streaming popularity estimate of positives; 0 targets ordinary (head
 *     dominated) accuracy, 1 balanced accuracy (Rawat et al., ICML 2021)
 * @param ipsClip inverse-propensity weighting of examples: each example's loss is weighted by {@code
 *     min(ipsClip, 1 / exposure)}, its exposure being the probability that its click could be seen at
 *     all (the position's examination propensity times the logging policy's probability of showing
 *     the document there), and the batch's loss is the weighted mean; 0 (the default): every example
 *     weighs the same; else at least 1, since a weight is never clipped below that of an example
 *     shown for sure at the top
 */
public record LossConfig(Kind kind, double phuberTau, double labelBiasTau, double ipsClip) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The loss applied to the probability of the positive among its candidates. */
  public enum Kind {
    /** {@code -log p}. */
    SOFTMAX,
    /** Menon et al., ICLR 2020: {@code -tau p + log tau + 1} for {@code p <= 1/tau}, else {@code -log p}. */
    PHUBER
  }

  /** One line per option, for help texts. */
  public static final Map<String, String> DESCRIPTIONS = Map.of(
      "kind", "SOFTMAX (cross-entropy) or PHUBER (partially Huberised cross-entropy, robust to noisy clicks)",
      "phuberTau", "PHuber threshold tau > 1: the loss is linear below a positive probability of 1/tau",
      "labelBiasTau", "label-bias knob: every logit gains tau x log(popularity); 0 head, 1 balanced",
      "ipsClip", "inverse-propensity weighting: an example weighs min(clip, 1 / exposure); 0 off");

  public LossConfig {
    Objects.requireNonNull(kind, "kind");
    if (!(phuberTau > 1) || Double.isInfinite(phuberTau)) {
      throw new IllegalArgumentException("phuberTau must be a finite number > 1, got " + phuberTau);
    }
    if (!Double.isFinite(labelBiasTau)) {
      throw new IllegalArgumentException("labelBiasTau must be finite, got " + labelBiasTau);
    }
    if (!(ipsClip == 0 || ipsClip >= 1) || Double.isInfinite(ipsClip)) {
      throw new IllegalArgumentException("ipsClip must be 0 (off) or a finite number >= 1, got " + ipsClip);
    }
  }

  /** Without inverse-propensity weighting. */
  public LossConfig(Kind kind, double phuberTau, double labelBiasTau) {
    this(kind, phuberTau, labelBiasTau, 0);
  }

  /** Softmax cross-entropy, PHuber tau 10 (the common default) if switched on, no label bias, no weighting. */
  public static LossConfig defaults() {
    return new LossConfig(Kind.SOFTMAX, 10.0, 0.0);
  }

  /** This configuration with the PHuber loss at threshold {@code tau}. */
  public LossConfig withPhuber(double tau) {
    return new LossConfig(Kind.PHUBER, tau, labelBiasTau, ipsClip);
  }

  /** This configuration with softmax cross-entropy. */
  public LossConfig withSoftmax() {
    return new LossConfig(Kind.SOFTMAX, phuberTau, labelBiasTau, ipsClip);
  }

  /** This configuration with label-bias knob {@code tau}. */
  public LossConfig withLabelBias(double tau) {
    return new LossConfig(kind, phuberTau, tau, ipsClip);
  }

  /** This configuration with inverse-propensity weighting clipped at {@code clip}; 0: off. */
  public LossConfig withIpsClip(double clip) {
    return new LossConfig(kind, phuberTau, labelBiasTau, clip);
  }

  /** Whether examples are weighted by inverse propensity. */
  public boolean weighted() {
    return ipsClip > 0;
  }

  /** The weight of an example seen with this exposure: 1 when unweighted, else {@code min(ipsClip, 1 / exposure)}. */
  public double weight(double exposure) {
    return weighted() ? Math.min(ipsClip, 1 / exposure) : 1;
  }
}
