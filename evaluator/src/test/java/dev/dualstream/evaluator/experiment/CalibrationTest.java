package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CalibrationTest {

  @Test
  void logLossAndEceByHand() {
    Calibration c = new Calibration();
    // Query 1: p = (0.5, 0.25, 0.25), the top document relevant: confidence 0.5 in bin 5, correct.
    c.add(new double[] {Math.log(2), 0, 0}, new boolean[] {true, false, false});
    // Query 2: p = (0.8, 0.2), the second relevant: confidence 0.8 in bin 8, wrong.
    c.add(new double[] {Math.log(4), 0}, new boolean[] {false, true});
    // Query 3: p = (0.5, 0.5), both relevant (the mass 1): confidence 0.5 in bin 5, correct.
    c.add(new double[] {0, 0}, new boolean[] {true, true});
    Calibration.Summary s = c.summary();
    assertEquals(3, s.queries());
    assertEquals((-Math.log(0.5) - Math.log(0.2) - Math.log(1)) / 3, s.logLoss(), 1e-12);
    // Bin 5: two queries, accuracy 1, confidence 0.5; bin 8: one, accuracy 0, confidence 0.8.
    assertEquals(2.0 / 3 * 0.5 + 1.0 / 3 * 0.8, s.ece(), 1e-12);
  }

  @Test
  void aPerfectlyCalibratedModelHasNoCalibrationError() {
    Calibration c = new Calibration();
    // Confidence 0.75 (logits ln 3, 0): right three times in four.
    for (int q = 0; q < 4; q++) {
      c.add(new double[] {Math.log(3), 0}, new boolean[] {q < 3, q == 3});
    }
    assertEquals(0, c.summary().ece(), 1e-12);
  }

  @Test
  void aHopelessQueryCostsAFiniteLossAndBadInputIsRefused() {
    Calibration c = new Calibration();
    c.add(new double[] {1000, 0}, new boolean[] {false, true});
    assertTrue(Double.isFinite(c.summary().logLoss()) && c.summary().logLoss() > 27);
    assertThrows(IllegalArgumentException.class, () -> c.add(new double[] {0, 1}, new boolean[] {false, false}));
    assertThrows(IllegalArgumentException.class, () -> c.add(new double[] {0, 1}, new boolean[] {true}));
  }
}
