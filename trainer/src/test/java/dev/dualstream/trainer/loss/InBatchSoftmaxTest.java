package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
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
  void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward() throws Exception {
    // A scalar the loss multiplies or divides by is saved for the backward pass; it must stay
    // alive until then, however the Java garbage collector runs meanwhile.
    float[] q = {1, 0, 0.6f, 0.8f};
    float[] d = {0.8f, 0.6f, 0, 1};
    float[] reference = queryGradient(q, d, false);
    for (int round = 0; round < 5; round++) {
      assertArrayEquals(reference, queryGradient(q, d, true), 1e-6f, "round " + round);
    }
  }

  private static float[] queryGradient(float[] q, float[] d, boolean collectGarbage) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray queries = manager.create(q, new Shape(2, 2));
      NDArray documents = manager.create(d, new Shape(2, 2));
      queries.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        InBatchSoftmax.Result result = InBatchSoftmax.compute(queries, documents, 5);
        if (collectGarbage) {
          FreedMemory.collectAndOverwrite();
        }
        collector.backward(result.loss());
      }
      return queries.getGradient().toFloatArray();
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
