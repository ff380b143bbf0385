package dev.dualstream.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseAdamTest {

  private static final AdamSettings SETTINGS = AdamSettings.withLearningRate(0.05);

  @Test
  void matchesReferenceAdamAndZeroesGradients() {
    Random random = new Random(5);
    float[] start = new float[6];
    for (int i = 0; i < start.length; i++) {
      start[i] = (float) random.nextGaussian();
    }
    double[] expected = new double[6];
    for (int i = 0; i < 6; i++) {
      expected[i] = start[i];
    }
    ReferenceAdam reference = new ReferenceAdam(6, SETTINGS);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray param = manager.create(start, new Shape(2, 3));
      param.setRequiresGradient(true);
      DenseAdam adam = new DenseAdam(List.of(param), SETTINGS);
      for (int step = 0; step < 30; step++) {
        float[] coefficients = new float[6];
        double[] grads = new double[6];
        for (int i = 0; i < 6; i++) {
          coefficients[i] = (float) random.nextGaussian();
          grads[i] = coefficients[i];
        }
        try (NDManager scratch = manager.newSubManager()) {
          // loss = sum(param * c) has gradient c.
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray c = scratch.create(coefficients, new Shape(2, 3));
            collector.backward(c.mul(param).sum());
          }
          adam.step(scratch);
          NDArray grad = param.getGradient();
          grad.attach(scratch);
          assertEquals(0f, grad.abs().sum().getFloat(), 0f, "gradient not zeroed");
        }
        reference.step(expected, grads);
      }
      float[] actual = param.toFloatArray();
      for (int i = 0; i < 6; i++) {
        assertEquals(expected[i], actual[i], 1e-5, "element " + i);
      }
      assertEquals(30, adam.steps());
    }
  }

  @Test
  void refusesParametersWithoutGradient() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray frozen = manager.zeros(new Shape(2));
      assertThrows(IllegalArgumentException.class, () -> new DenseAdam(List.of(frozen), SETTINGS));
    }
  }
}
