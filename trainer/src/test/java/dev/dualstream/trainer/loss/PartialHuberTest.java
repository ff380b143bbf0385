package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PartialHuberTest {

  @Test
  void matchesThePaperFormulaOnBothSides() {
    double tau = 10;
    assertEquals(-10 * 0.05 + Math.log(10) + 1, PartialHuber.loss(Math.log(0.05), tau), 1e-12);
    assertEquals(-Math.log(0.5), PartialHuber.loss(Math.log(0.5), tau), 1e-12);
    assertEquals(Math.log(10) + 1, PartialHuber.loss(Double.NEGATIVE_INFINITY, tau), 1e-12);
  }

  @Test
  void isContinuousWithContinuousSlopeAtOneOverTau() {
    double tau = 2;
    double at = Math.log(0.5);
    double below = Math.log(0.5 - 1e-9);
    double above = Math.log(0.5 + 1e-9);
    assertEquals(PartialHuber.loss(below, tau), PartialHuber.loss(above, tau), 1e-8);
    assertEquals(-Math.log(0.5), PartialHuber.loss(at, tau), 1e-12);
    assertEquals(1.0, PartialHuber.gradientScale(below, tau), 1e-8);
    assertEquals(1.0, PartialHuber.gradientScale(above, tau), 1e-12);
  }

  @Test
  void capsTheGradientOfUnlikelyLabels() {
    double tau = 10;
    double p = 1e-6;
    // d loss / d p = -tau, against -1/p = -1e6 for cross-entropy.
    double h = 1e-9;
    double slope = (PartialHuber.loss(Math.log(p + h), tau) - PartialHuber.loss(Math.log(p), tau)) / h;
    assertEquals(-tau, slope, 1e-4);
    assertTrue(PartialHuber.gradientScale(Math.log(p), tau) < 1e-4);
  }
}
