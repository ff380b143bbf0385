package dev.dualstream.trainer.optim;

import java.util.Arrays;

/** Textbook dense Adagrad in double precision over a whole array, the oracle for the lazy one. */
final class ReferenceAdagrad {

  private final AdagradSettings settings;
  private final double[] sums;

  ReferenceAdagrad(int size, AdagradSettings settings) {
    this.settings = settings;
    this.sums = new double[size];
    Arrays.fill(sums, settings.initialAccumulator());
  }

  /** One step over every coordinate; a zero gradient is a step too (Adagrad leaves it unchanged). */
  void step(double[] weights, double[] grads) {
    for (int i = 0; i < weights.length; i++) {
      sums[i] += grads[i] * grads[i];
      weights[i] -= settings.learningRate() * grads[i] / (Math.sqrt(sums[i]) + settings.epsilon());
    }
  }
}
