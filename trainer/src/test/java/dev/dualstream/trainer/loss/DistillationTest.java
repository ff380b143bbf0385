package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.loss.DistillationConfig.Kind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistillationTest {
  private static final double NEG = Double.NEGATIVE_INFINITY;
  private static final TeacherOrders UNUSED = (scores, offset, columns) -> {
    throw new AssertionError("only RankDistil draws orders");
  };

  private static double ln(double x) {
    return Math.log(x);
  }

  private static Distillation.Result compute(double[] s, double[] t, int rows, int columns, Kind kind) {
    return Distillation.compute(s, t, rows, columns, DistillationConfig.defaults().withKind(kind), UNUSED);
  }

  @Test
  void klAtTemperatureTwoByHand() {
    double[] s = {1, 0, NEG};
    double[] t = {0, 2, NEG};
    DistillationConfig config = DistillationConfig.defaults().withTemperature(2);
    Distillation.Result r = Distillation.compute(s, t, 1, 3, config, UNUSED);
    // p = softmax(t/2) = (1, e) / (1 + e); q = softmax(s/2) = (e^0.5, 1) / (1 + e^0.5).
    double p0 = 1 / (1 + Math.E);
    double p1 = Math.E / (1 + Math.E);
    double q0 = Math.exp(0.5) / (1 + Math.exp(0.5));
    double q1 = 1 / (1 + Math.exp(0.5));
    assertEquals(4 * (p0 * ln(p0 / q0) + p1 * ln(p1 / q1)), r.loss(), 1e-12);
    assertArrayEquals(new float[] {(float) (2 * (q0 - p0)), (float) (2 * (q1 - p1)), 0}, r.weights(), 1e-7f);
  }

  @Test
  void klIsZeroWhenTheStudentAgreesUpToAConstant() {
    Distillation.Result r = compute(new double[] {3, 1, 2}, new double[] {5, 3, 4}, 1, 3, Kind.KL);
    assertEquals(0, r.loss(), 1e-12);
    for (float w : r.weights()) {
      assertEquals(0, w, 1e-7);
    }
  }

  @Test
  void marginMseTakesTheTeachersHardestNegative() {
    // Teacher: positive 3, negatives 1 and 2 (the hardest). Student: 1, 0.5, 0.
    Distillation.Result r = compute(new double[] {1, 0.5, 0}, new double[] {3, 1, 2}, 1, 3, Kind.MARGIN_MSE);
    double d = (1 - 0) - (3 - 2); // 0
    assertEquals(d * d, r.loss(), 1e-12);
    Distillation.Result r2 = compute(new double[] {2, 0.5, 0}, new double[] {3, 1, 2}, 1, 3, Kind.MARGIN_MSE);
    assertEquals(1, r2.loss(), 1e-12);
    assertArrayEquals(new float[] {2, 0, -2}, r2.weights(), 1e-7f);
  }

  @Test
  void multiMarginSumAddsEveryNegativesSquareAndAveragesRows() {
    double[] s = {2, 1, 0, /* row 1 */ 0, NEG, 1};
    double[] t = {1, 1, 1, /* row 1 */ 1, NEG, 0};
    Distillation.Result r = compute(s, t, 2, 3, Kind.MULTI_MARGIN_SUM);
    // Row 0: d1 = (2-1) - 0 = 1, d2 = (2-0) - 0 = 2; loss 5. Row 1: d = (0-1) - (1-0) = -2; loss 4.
    assertEquals((5 + 4) / 2.0, r.loss(), 1e-12);
    assertArrayEquals(new float[] {3, -1, -2, -2, 0, 2}, r.weights(), 1e-7f);
  }

  @Test
  void multiMarginLseAgainstTheSmoothMaximum() {
    double[] s = {1, ln(1), ln(3)};
    double[] t = {2, 0, 0};
    Distillation.Result r = compute(s, t, 1, 3, Kind.MULTI_MARGIN_LSE);
    // Student: LSE(0, ln 3) = ln 4; teacher: LSE(0, 0) = ln 2. d = (1 - ln 4) - (2 - ln 2) = -1 - ln 2.
    double d = -1 - ln(2);
    assertEquals(d * d, r.loss(), 1e-12);
    assertArrayEquals(new float[] {(float) (2 * d), (float) (-2 * d * 0.25), (float) (-2 * d * 0.75)}, r.weights(), 1e-6f);
  }

  @Test
  void rankDistilMatchesTheTfRankingReference() {
    // tensorflow_ranking losses_impl_test, test_coupled_rank_distil_loss_basic: sample_size 1, the whole list;
    // under its seed the sampler drew, for both queries, candidate 2 first, then 0, then 1.
    double[] s = {0, ln(3), ln(2), 0, ln(2), ln(3)};
    double[] t = {0, 2, 1, 1, 0, 2};
    TeacherOrders drawn = (scores, offset, columns) -> new int[] {2, 0, 1};
    DistillationConfig config =
        DistillationConfig.defaults().withKind(Kind.RANK_DISTIL).withTemperature(1).withRankDistil(0, 1);
    Distillation.Result r = Distillation.compute(s, t, 2, 3, config, drawn);
    assertEquals(2.138333, r.loss(), 1e-6);
    assertEquals(-((ln(2. / 6) + ln(1. / 4) + ln(3. / 3)) + (ln(3. / 6) + ln(1. / 3) + ln(2. / 2))) / 2, r.loss(), 1e-12);
  }

  @Test
  void rankDistilTopKLeavesTheRestOnlyInTheDenominators() {
    double[] s = {0, ln(3), ln(2)};
    double[] t = {0, 2, 1};
    TeacherOrders drawn = (scores, offset, columns) -> new int[] {1, 2, 0};
    DistillationConfig config =
        DistillationConfig.defaults().withKind(Kind.RANK_DISTIL).withTemperature(1).withRankDistil(1, 1);
    Distillation.Result r = Distillation.compute(s, t, 1, 3, config, drawn);
    // Only position 1 is matched: -log(3 / 6).
    assertEquals(ln(2), r.loss(), 1e-12);
    // Gradient: softmax over all minus the indicator of the top item.
    assertArrayEquals(new float[] {1f / 6, 3f / 6 - 1, 2f / 6}, r.weights(), 1e-7f);
  }

  @Test
  void everyLossHasTheNumericalGradient() {
    double[] s = {0.3, -0.2, 1.1, 0.7, NEG, /* row 1 */ -0.5, 0.4, 0.9, NEG, 0.1};
    double[] t = {1.5, 0.2, 0.8, -0.3, NEG, /* row 1 */ 0.5, 1.4, -0.9, NEG, 0.6};
    for (Kind kind : Kind.values()) {
      DistillationConfig config = DistillationConfig.defaults().withKind(kind).withTemperature(1.7).withRankDistil(2, 3);
      // Fixed orders, replayed for every evaluation, so that the loss is a smooth function of s.
      int[][] fixed = {{0, 2, 1, 3}, {3, 1, 0, 2}, {2, 3, 0, 1}};
      TeacherOrders orders = new TeacherOrders() {
        private int call;

        @Override
        public int[] draw(double[] scores, int offset, int columns) {
          int[] order = fixed[call++ % fixed.length].clone();
          // Row 1's absent candidate is column 3: use column 4 instead.
          if (scores[3] == NEG) {
            for (int i = 0; i < order.length; i++) {
              order[i] = order[i] == 3 ? 4 : order[i];
            }
          }
          return order;
        }
      };
      float[] w = Distillation.compute(s, t, 2, 5, config, orders).weights();
      for (int k = 0; k < s.length; k++) {
        if (s[k] == NEG) {
          assertEquals(0, w[k], kind + " gives an absent candidate a gradient");
          continue;
        }
        double h = 1e-6;
        double[] up = s.clone();
        double[] down = s.clone();
        up[k] += h;
        down[k] -= h;
        double numeric = (Distillation.compute(up, t, 2, 5, config, orders).loss()
            - Distillation.compute(down, t, 2, 5, config, orders).loss()) / (2 * h);
        assertEquals(numeric, w[k], 1e-5, kind + " logit " + k);
      }
    }
  }

  @Test
  void plackettLuceDrawsTheFirstPlaceWithSoftmaxProbabilities() {
    double[] scores = {0, ln(2), NEG, ln(5)};
    TeacherOrders orders = TeacherOrders.plackettLuce(new SplittableRandom(7));
    int draws = 40_000;
    int[] first = new int[4];
    int[] secondGivenFirstIsThree = new int[4];
    int firstIsThree = 0;
    for (int d = 0; d < draws; d++) {
      int[] order = orders.draw(scores, 0, 4);
      assertEquals(3, order.length, "the absent candidate is never ranked");
      first[order[0]]++;
      if (order[0] == 3) {
        firstIsThree++;
        secondGivenFirstIsThree[order[1]]++;
      }
    }
    // Chi-square goodness of fit of the first place against softmax (1, 2, 5) / 8, 2 degrees of freedom:
    // 13.8 is the 0.999 quantile.
    double[] expected = {1 / 8.0, 2 / 8.0, 0, 5 / 8.0};
    double chi = 0;
    for (int k : new int[] {0, 1, 3}) {
      double e = expected[k] * draws;
      chi += (first[k] - e) * (first[k] - e) / e;
    }
    assertTrue(chi < 13.8, "chi-square " + chi);
    // The second place, given the first, follows the softmax of the rest: (1, 2) / 3.
    double share = secondGivenFirstIsThree[1] / (double) firstIsThree;
    assertEquals(2 / 3.0, share, 4 * Math.sqrt(2 / 9.0 / firstIsThree));
  }

  @Test
  void theSameSeedDrawsTheSameOrders() {
    double[] scores = {0.1, 0.4, 0.3, 0.2, 0.0};
    TeacherOrders a = TeacherOrders.plackettLuce(new SplittableRandom(11));
    TeacherOrders b = TeacherOrders.plackettLuce(new SplittableRandom(11));
    for (int i = 0; i < 50; i++) {
      assertArrayEquals(a.draw(scores, 0, 5), b.draw(scores, 0, 5));
    }
  }

  @Test
  void mismatchedAbsencesAndAnAbsentPositiveAreRefused() {
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> compute(new double[] {1, NEG}, new double[] {1, 0}, 1, 2, Kind.KL));
    assertTrue(mismatch.getMessage().contains("both finite, or both absent"), mismatch.getMessage());
    IllegalArgumentException positive = assertThrows(IllegalArgumentException.class,
        () -> compute(new double[] {NEG, 1}, new double[] {NEG, 1}, 1, 2, Kind.KL));
    assertTrue(positive.getMessage().contains("positive of row 0"), positive.getMessage());
    assertThrows(IllegalArgumentException.class, () -> compute(new double[] {1, 2}, new double[] {1}, 1, 2, Kind.KL));
  }

  @Test
  void theConfigurationRefusesWhatHasNoMeaning() {
    DistillationConfig d = DistillationConfig.defaults();
    assertThrows(IllegalArgumentException.class, () -> d.withTemperature(0));
    assertThrows(IllegalArgumentException.class, () -> d.withClickWeight(1.5));
    assertThrows(IllegalArgumentException.class, () -> d.withRankDistil(-1, 8));
    assertThrows(IllegalArgumentException.class, () -> d.withRankDistil(10, 0));
  }
}
