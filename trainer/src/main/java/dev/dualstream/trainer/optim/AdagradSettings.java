package dev.dualstream.trainer.optim;

import java.io.Serializable;

/**
 * Adagrad hyper-parameters (Duchi, Hazan and Singer, JMLR 2011), as PyTorch's {@code
 * torch.optim.Adagrad} names them.
 *
 * @param learningRate step size
 * @param initialAccumulator the value every accumulated squared gradient starts from (PyTorch's
 *     {@code initial_accumulator_value}, default 0; TensorFlow's default is 0.1); a positive value
 *     damps the first steps
 * @param epsilon added to the root of the accumulator
 */
public record AdagradSettings(double learningRate, double initialAccumulator, double epsilon)
    implements Serializable {

  public AdagradSettings {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
    }
    if (!(initialAccumulator >= 0) || Double.isInfinite(initialAccumulator)) {
      throw new IllegalArgumentException(
          "initial accumulator must be finite and non-negative, got " + initialAccumulator);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
    }
  }
}
