package dev.dualstream.trainer.optim;

/** Textbook dense Adam in double precision, the oracle the optimizers are checked against. */
final class ReferenceAdam {

  private final AdamSettings settings;
  private final double[] m;
  private final double[] v;
  private int t;

  ReferenceAdam(int size, AdamSettings settings) {
    this.settings = settings;
    this.m = new double[size];
    this.v = new double[size];
  }

  void step(double[] weights, double[] grads) {
    t++;
    double b1 = settings.beta1();
    double b2 = settings.beta2();
    for (int i = 0; i < weights.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * grads[i];
      v[i] = b2 * v[i] + (1 - b2) * grads[i] * grads[i];
      double mHat = m[i] / (1 - Math.pow(b1, t));
      double vHat = v[i] / (1 - Math.pow(b2, t));
      weights[i] -= settings.learningRate() * mHat / (Math.sqrt(vHat) + settings.epsilon());
    }
  }
}
