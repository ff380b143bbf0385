package dev.dualstream.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LazyRowAdamTest {

  private static final int ROWS = 20;
  private static final int DIM = 4;
  private static final AdamSettings SETTINGS = AdamSettings.withLearningRate(0.01);

  @Test
  void touchedRowsFollowDenseAdamAndOthersStayUntouched() {
    Random random = new Random(42);
    float[] weights = randomWeights(random);
    float[] initial = weights.clone();
    int[] touched = {3, 17, 8};
    LazyRowAdam lazy = new LazyRowAdam(ROWS, DIM, SETTINGS);
    ReferenceAdam reference = new ReferenceAdam(touched.length * DIM, SETTINGS);
    double[] expected = new double[touched.length * DIM];
    for (int i = 0; i < touched.length; i++) {
      for (int k = 0; k < DIM; k++) {
        expected[i * DIM + k] = weights[touched[i] * DIM + k];
      }
    }
    for (int step = 0; step < 50; step++) {
      float[] grads = new float[touched.length * DIM];
      double[] gradsD = new double[grads.length];
      for (int i = 0; i < grads.length; i++) {
        grads[i] = (float) random.nextGaussian();
        gradsD[i] = grads[i];
      }
      lazy.update(weights, touched, touched.length, grads);
      reference.step(expected, gradsD);
    }
    for (int row = 0; row < ROWS; row++) {
      int i = indexOf(touched, row);
      for (int k = 0; k < DIM; k++) {
        float actual = weights[row * DIM + k];
        if (i < 0) {
          assertEquals(initial[row * DIM + k], actual, 0.0, "untouched row " + row + " changed");
        } else {
          assertEquals(expected[i * DIM + k], actual, 2e-5, "row " + row + " col " + k);
        }
      }
    }
  }

  @Test
  void biasCorrectionCountsEachRowsOwnSteps() {
    float[] weights = new float[ROWS * DIM];
    LazyRowAdam lazy = new LazyRowAdam(ROWS, DIM, SETTINGS);
    float[] grad = {2f, -3f, 0.5f, 1f};
    for (int step = 0; step < 10; step++) {
      lazy.update(weights, new int[] {1}, 1, grad);
    }
    lazy.update(weights, new int[] {5}, 1, grad);
    // A row's first update is lr * g / (|g| + eps): bias correction undoes the moments' zero start.
    for (int k = 0; k < DIM; k++) {
      assertEquals(-0.01 * Math.signum(grad[k]), weights[5 * DIM + k], 1e-6);
    }
    assertEquals(10, lazy.rowSteps()[1]);
    assertEquals(1, lazy.rowSteps()[5]);
    assertEquals(0, lazy.rowSteps()[0]);
  }

  @Test
  void onlyTheFirstCountRowsAreUpdated() {
    float[] weights = new float[ROWS * DIM];
    LazyRowAdam lazy = new LazyRowAdam(ROWS, DIM, SETTINGS);
    lazy.update(weights, new int[] {2, 9}, 1, new float[] {1, 1, 1, 1, 1, 1, 1, 1});
    assertArrayEquals(new float[DIM], java.util.Arrays.copyOfRange(weights, 9 * DIM, 10 * DIM));
    assertEquals(0, lazy.rowSteps()[9]);
  }

  @Test
  void rowsUpdatedOnSeveralThreadsMatchOneThread() throws Exception {
    Random random = new Random(11);
    int rows = 2000;
    float[] start = new float[rows * DIM];
    for (int i = 0; i < start.length; i++) {
      start[i] = (float) random.nextGaussian();
    }
    float[] sequential = start.clone();
    float[] parallel = start.clone();
    LazyRowAdam one = new LazyRowAdam(rows, DIM, SETTINGS);
    LazyRowAdam many = new LazyRowAdam(rows, DIM, SETTINGS);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      for (int step = 0; step < 5; step++) {
        float[] grads = new float[rows * DIM];
        for (int i = 0; i < grads.length; i++) {
          grads[i] = (float) random.nextGaussian();
        }
        for (int row = 0; row < rows; row++) {
          one.updateRow(sequential, row, grads, row * DIM);
        }
        java.util.List<java.util.concurrent.Future<?>> parts = new java.util.ArrayList<>();
        for (int t = 0; t < 3; t++) {
          int first = t;
          parts.add(pool.submit(() -> {
            for (int row = first; row < rows; row += 3) {
              many.updateRow(parallel, row, grads, row * DIM);
            }
          }));
        }
        for (java.util.concurrent.Future<?> part : parts) {
          part.get();
        }
      }
    } finally {
      pool.shutdown();
    }
    assertArrayEquals(sequential, parallel, 0f);
    assertArrayEquals(one.firstMoments(), many.firstMoments(), 0f);
    assertArrayEquals(one.secondMoments(), many.secondMoments(), 0f);
    assertArrayEquals(one.rowSteps(), many.rowSteps());
  }

  @Test
  void refusesMismatchedSizes() {
    LazyRowAdam lazy = new LazyRowAdam(ROWS, DIM, SETTINGS);
    assertThrows(IllegalArgumentException.class,
        () -> lazy.update(new float[3], new int[] {0}, 1, new float[DIM]));
    assertThrows(IllegalArgumentException.class,
        () -> lazy.update(new float[ROWS * DIM], new int[] {0, 1}, 2, new float[DIM]));
    assertThrows(IllegalArgumentException.class, () -> new LazyRowAdam(0, DIM, SETTINGS));
  }

  private static float[] randomWeights(Random random) {
    float[] weights = new float[ROWS * DIM];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) random.nextGaussian();
    }
    return weights;
  }

  private static int indexOf(int[] values, int value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
