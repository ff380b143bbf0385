package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CandidateSoftmaxTest {
  private static final double NEG = Double.NEGATIVE_INFINITY;

  @Test
  void crossEntropyOverTwoRowsWithAMaskedCandidate() {
    double[] logits = {
      2.0, 1.0, 0.0,
      0.5, NEG, 1.5
    };
    CandidateSoftmax.Result r = CandidateSoftmax.compute(logits, 2, 3, LossConfig.defaults());
    double z0 = Math.exp(2) + Math.exp(1) + Math.exp(0);
    double z1 = Math.exp(0.5) + Math.exp(1.5);
    double p0 = Math.exp(2) / z0;
    double p1 = Math.exp(0.5) / z1;
    assertEquals((-Math.log(p0) - Math.log(p1)) / 2, r.loss(), 1e-12);
    assertEquals((p0 + p1) / 2, r.positiveProbability(), 1e-12);
    float[] w = r.weights();
    assertEquals((p0 - 1) / 2, w[0], 1e-7);
    assertEquals(Math.exp(1) / z0 / 2, w[1], 1e-7);
    assertEquals(Math.exp(0) / z0 / 2, w[2], 1e-7);
    assertEquals((p1 - 1) / 2, w[3], 1e-7);
    assertEquals(0, w[4]);
    assertEquals(Math.exp(1.5) / z1 / 2, w[5], 1e-7);
  }

  @Test
  void aRowWithoutNegativesHasNoLossAndNoGradient() {
    CandidateSoftmax.Result r = CandidateSoftmax.compute(new double[] {3.0, NEG}, 1, 2, LossConfig.defaults());
    assertEquals(0, r.loss(), 1e-15);
    assertEquals(1, r.positiveProbability(), 1e-15);
    assertEquals(0, r.weights()[0]);
    assertEquals(0, r.weights()[1]);
  }

  @Test
  void phuberIsLinearBelowTheThresholdAndCrossEntropyAbove() {
    double tau = 4;
    LossConfig phuber = LossConfig.defaults().withPhuber(tau);
    // Row 0: p = e^0 / (e^0 + e^2) = 0.1192 <= 1/4: linear branch, gradient scaled by tau p.
    // Row 1: p = e^2 / (e^2 + e^0) = 0.8808 > 1/4: cross-entropy.
    double[] logits = {0, 2, 2, 0};
    CandidateSoftmax.Result r = CandidateSoftmax.compute(logits, 2, 2, phuber);
    double pLow = 1 / (1 + Math.exp(2));
    double pHigh = 1 / (1 + Math.exp(-2));
    double lossLow = -tau * pLow + Math.log(tau) + 1;
    double lossHigh = -Math.log(pHigh);
    assertEquals((lossLow + lossHigh) / 2, r.loss(), 1e-12);
    float[] w = r.weights();
    assertEquals(tau * pLow * (pLow - 1) / 2, w[0], 1e-7);
    assertEquals(tau * pLow * (1 - pLow) / 2, w[1], 1e-7);
    assertEquals((pHigh - 1) / 2, w[2], 1e-7);
    assertEquals((1 - pHigh) / 2, w[3], 1e-7);
  }

  @Test
  void weightsAreTheNumericalGradientOfTheLoss() {
    double[] logits = {0.3, -0.2, 1.1, 0.7};
    for (LossConfig config : new LossConfig[] {LossConfig.defaults(), LossConfig.defaults().withPhuber(3)}) {
      float[] w = CandidateSoftmax.compute(logits, 1, 4, config).weights();
      for (int k = 0; k < 4; k++) {
        double h = 1e-6;
        double[] up = logits.clone();
        double[] down = logits.clone();
        up[k] += h;
        down[k] -= h;
        double numeric = (CandidateSoftmax.compute(up, 1, 4, config).loss()
            - CandidateSoftmax.compute(down, 1, 4, config).loss()) / (2 * h);
        assertEquals(numeric, w[k], 1e-6, config.kind() + " logit " + k);
      }
    }
  }

  @Test
  void aRowOfWeightTwoCountsAsTheRowTwiceOver() {
    double[] rows = {0.3, -0.2, 1.1, 2.0, 0.5, NEG};
    double[] twice = {0.3, -0.2, 1.1, 0.3, -0.2, 1.1, 2.0, 0.5, NEG};
    for (LossConfig config : new LossConfig[] {LossConfig.defaults(), LossConfig.defaults().withPhuber(3)}) {
      CandidateSoftmax.Result weighted = CandidateSoftmax.compute(rows, 2, 3, config, new double[] {2, 1});
      CandidateSoftmax.Result repeated = CandidateSoftmax.compute(twice, 3, 3, config);
      assertEquals(repeated.loss(), weighted.loss(), 1e-12, config.kind() + " loss");
      for (int k = 0; k < 3; k++) {
        assertEquals(repeated.weights()[k] + repeated.weights()[3 + k], weighted.weights()[k], 1e-7);
        assertEquals(repeated.weights()[6 + k], weighted.weights()[3 + k], 1e-7);
      }
    }
  }

  @Test
  void equalRowWeightsChangeNothing() {
    double[] logits = {0.3, -0.2, 1.1, 2.0, 0.5, -1.0};
    CandidateSoftmax.Result plain = CandidateSoftmax.compute(logits, 2, 3, LossConfig.defaults());
    CandidateSoftmax.Result weighted = CandidateSoftmax.compute(logits, 2, 3, LossConfig.defaults(),
        new double[] {7, 7});
    assertEquals(plain.loss(), weighted.loss(), 1e-12);
    assertArrayEquals(plain.weights(), weighted.weights(), 1e-7f);
  }

  @Test
  void refusesRowWeightsThatAreNoWeights() {
    double[] logits = {0.3, -0.2, 2.0, 0.5};
    for (double[] bad : new double[][] {{1}, {1, 0}, {1, -2}, {1, Double.NaN}, {1, Double.POSITIVE_INFINITY}}) {
      assertThrows(IllegalArgumentException.class,
          () -> CandidateSoftmax.compute(logits, 2, 2, LossConfig.defaults(), bad));
    }
  }

  @Test
  void refusesBadShapesAndAnAbsentPositive() {
    assertThrows(IllegalArgumentException.class,
        () -> CandidateSoftmax.compute(new double[3], 2, 2, LossConfig.defaults()));
    assertThrows(IllegalArgumentException.class,
        () -> CandidateSoftmax.compute(new double[] {NEG, 1}, 1, 2, LossConfig.defaults()));
  }
}
