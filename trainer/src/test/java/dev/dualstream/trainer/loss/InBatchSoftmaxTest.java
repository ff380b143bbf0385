package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class InBatchSoftmaxTest {

  @Test
  void lossIsMeanCrossEntropyOfScaledDotProducts() {
    float[] q = {1, 0, 0.6f, 0.8f};
    float[] d = {0.8f, 0.6f, 0, 1};
    float scale = 5;
    try (NDManager manager = NDManager.newBaseManager()) {
      InBatchSoftmax.Result result = InBatchSoftmax.compute(
          manager.create(q, new Shape(2, 2)), manager.create(d, new Shape(2, 2)), scale);
      double[][] s = {{scale * 0.8, scale * 0.0}, {scale * (0.48 + 0.48), scale * 0.8}};
      double expected = 0;
      for (int i = 0; i < 2; i++) {
        double norm = Math.log(Math.exp(s[i][0]) + Math.exp(s[i][1]));
        expected += norm - s[i][i];
      }
      assertEquals(expected / 2, result.loss().getFloat(), 1e-5);
      assertEquals(1, InBatchSoftmax.correct(result.scores().toFloatArray(), 2));
    }
  }

  @Test
  void correctCountsRowsWhoseDiagonalWinsStrictly() {
    float[] scores = {
      3, 1, 1,
      2, 2, 0,
      0, 1, 5
    };
    assertEquals(2, InBatchSoftmax.correct(scores, 3));
  }

  @Test
  void refusesMismatchedBatches() {
    try (NDManager manager = NDManager.newBaseManager()) {
      assertThrows(IllegalArgumentException.class, () -> InBatchSoftmax.compute(
          manager.zeros(new Shape(2, 3)), manager.zeros(new Shape(3, 3)), 1));
    }
  }
}
