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
 */
public record LossConfig(Kind kind, double phuberTau, double labelBiasTau) implements Serializable {
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
      "labelBiasTau", "label-bias knob: every logit gains tau x log(popularity); 0 head, 1 balanced");

  public LossConfig {
    Objects.requireNonNull(kind, "kind");
    if (!(phuberTau > 1) || Double.isInfinite(phuberTau)) {
      throw new IllegalArgumentException("phuberTau must be a finite number > 1, got " + phuberTau);
    }
    if (!Double.isFinite(labelBiasTau)) {
      throw new IllegalArgumentException("labelBiasTau must be finite, got " + labelBiasTau);
    }
  }

  /** Softmax cross-entropy, PHuber tau 10 (the common default) if switched on, no label bias. */
  public static LossConfig defaults() {
    return new LossConfig(Kind.SOFTMAX, 10.0, 0.0);
  }

  /** This configuration with the PHuber loss at threshold {@code tau}. */
  public LossConfig withPhuber(double tau) {
    return new LossConfig(Kind.PHUBER, tau, labelBiasTau);
  }

  /** This configuration with softmax cross-entropy. */
  public LossConfig withSoftmax() {
    return new LossConfig(Kind.SOFTMAX, phuberTau, labelBiasTau);
  }

  /** This configuration with label-bias knob {@code tau}. */
  public LossConfig withLabelBias(double tau) {
    return new LossConfig(kind, phuberTau, tau);
  }
}
