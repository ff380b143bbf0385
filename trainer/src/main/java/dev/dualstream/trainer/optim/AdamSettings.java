package dev.dualstream.trainer.optim;

import java.io.Serializable;

/**
 * Adam hyper-parameters (Kingma and Ba, ICLR 2015), with PyTorch's defaults for the betas and
 * epsilon.
 *
 * @param learningRate step size
 * @param beta1 decay of the first moment
 * @param beta2 decay of the second moment
 * @param epsilon added to the bias-corrected root of the second moment
 */
public record AdamSettings(double learningRate, double beta1, double beta2, double epsilon)
    implements Serializable {

  public AdamSettings {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "betas must lie in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
    }
  }

  /** Adam with the given learning rate and betas 0.9, 0.999, epsilon 1e-8. */
  public static AdamSettings withLearningRate(double learningRate) {
    return new AdamSettings(learningRate, 0.9, 0.999, 1e-8);
  }
}
