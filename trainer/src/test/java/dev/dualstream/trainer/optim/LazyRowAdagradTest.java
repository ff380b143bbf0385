package dev.dualstream.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LazyRowAdagradTest {

  private static final int ROWS = 20;
  private static final int DIM = 4;
  private static final AdagradSettings SETTINGS = new AdagradSettings(0.05, 0.0, 1e-10);

  @Test
  void touchedRowsFollowDenseAdagradOverRepeatedAndDisjointRowsAndOthersStayUntouched() {
    Random random = new Random(7);
    float[] weights = new float[ROWS * DIM];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) random.nextGaussian();
    }
    float[] initial = weights.clone();
    double[] expected = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      expected[i] = weights[i];
    }
    AdagradSettings settings = new AdagradSettings(0.05, 0.1, 1e-10);
    LazyRowAdagrad lazy = new LazyRowAdagrad(ROWS, DIM, settings);
    ReferenceAdagrad reference = new ReferenceAdagrad(weights.length, settings);
    // Rows 0..14 only: 15..19 are never touched. Row 2 is in every step; the others come and go.
    int[][] steps = {{2, 5, 9}, {2, 5, 9}, {2, 11, 14}, {0, 2}, {2, 7, 5, 13}, {2}, {14, 2, 3}};
    for (int repeat = 0; repeat < 6; repeat++) {
      for (int[] touched : steps) {
        float[] grads = new float[touched.length * DIM];
        double[] dense = new double[weights.length];
        for (int i = 0; i < touched.length; i++) {
          for (int k = 0; k < DIM; k++) {
            grads[i * DIM + k] = (float) random.nextGaussian();
            dense[touched[i] * DIM + k] = grads[i * DIM + k];
          }
        }
        lazy.update(weights, touched, touched.length, grads);
        reference.step(expected, dense);
      }
    }
    for (int row = 0; row < ROWS; row++) {
      for (int k = 0; k < DIM; k++) {
        int i = row * DIM + k;
        if (row >= 15 || row == 1 || row == 4 || row == 6 || row == 8 || row == 10 || row == 12) {
          assertEquals(initial[i], weights[i], 0.0, "untouched row " + row + " changed");
          assertEquals(0.1f, lazy.sums()[i], 0.0, "untouched row " + row + " sum");
        } else {
          assertEquals(expected[i], weights[i], 2e-5, "row " + row + " col " + k);
          assertTrue(weights[i] != initial[i], "row " + row + " did not move");
        }
      }
    }
  }

  @Test
  void aRowsStepsShrinkWithItsOwnUpdatesOnly() {
    float[] weights = new float[ROWS * DIM];
    LazyRowAdagrad lazy = new LazyRowAdagrad(ROWS, DIM, SETTINGS);
    float[] grad = {2f, -3f, 0.5f, 1f};
    // With no initial sum, a row's first step is lr * g / |g|: lr against the gradient's sign.
    lazy.update(weights, new int[] {1}, 1, grad);
    for (int k = 0; k < DIM; k++) {
      assertEquals(-0.05 * Math.signum(grad[k]), weights[DIM + k], 1e-7);
    }
    for (int step = 2; step <= 100; step++) {
      lazy.update(weights, new int[] {1}, 1, grad);
    }
    float before = weights[DIM];
    lazy.update(weights, new int[] {1}, 1, grad);
    // Step 101 of a steady gradient is lr / sqrt(101).
    assertEquals(-0.05 / Math.sqrt(101), weights[DIM] - before, 1e-6);
    lazy.update(weights, new int[] {5}, 1, grad);
    assertEquals(-0.05, weights[5 * DIM], 1e-7, "a fresh row's first step is unaffected by row 1's");
  }

  @Test
  void theInitialAccumulatorDampsTheFirstStep() {
    AdagradSettings settings = new AdagradSettings(0.05, 4.0, 1e-10);
    float[] weights = new float[ROWS * DIM];
    LazyRowAdagrad lazy = new LazyRowAdagrad(ROWS, DIM, settings);
    lazy.update(weights, new int[] {3}, 1, new float[] {3f, 0f, -3f, 0f});
    assertEquals(-0.05 * 3 / Math.sqrt(4 + 9), weights[3 * DIM], 1e-7);
    assertEquals(0f, weights[3 * DIM + 1], 0f);
    assertEquals(13f, lazy.sums()[3 * DIM], 0f);
    assertEquals(4f, lazy.sums()[3 * DIM + 1], 0f);
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
    LazyRowAdagrad one = new LazyRowAdagrad(rows, DIM, SETTINGS);
    LazyRowAdagrad many = new LazyRowAdagrad(rows, DIM, SETTINGS);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (int step = 0; step < 5; step++) {
        float[] grads = new float[rows * DIM];
        for (int i = 0; i < grads.length; i++) {
          grads[i] = (float) random.nextGaussian();
        }
        for (int row = 0; row < rows; row++) {
          one.updateRow(sequential, row, grads, row * DIM);
        }
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          int first = t;
          parts.add(pool.submit(() -> {
            for (int row = first; row < rows; row += 3) {
              many.updateRow(parallel, row, grads, row * DIM);
            }
          }));
        }
        for (Future<?> part : parts) {
          part.get();
        }
      }
    } finally {
      pool.shutdown();
    }
    assertArrayEquals(sequential, parallel, 0f);
    assertArrayEquals(one.sums(), many.sums(), 0f);
    assertTrue(!Arrays.equals(start, sequential), "nothing was updated");
  }

  @Test
  void restoredStateContinuesBitIdentically() {
    Random random = new Random(3);
    float[] grads = new float[2 * DIM];
    float[] straight = new float[ROWS * DIM];
    LazyRowAdagrad first = new LazyRowAdagrad(ROWS, DIM, SETTINGS);
    List<float[]> gradients = new ArrayList<>();
    for (int step = 0; step < 10; step++) {
      for (int i = 0; i < grads.length; i++) {
        grads[i] = (float) random.nextGaussian();
      }
      gradients.add(grads.clone());
    }
    float[] resumedWeights = null;
    LazyRowAdagrad resumed = null;
    for (int step = 0; step < 10; step++) {
      if (step == 5) {
        resumedWeights = straight.clone();
        resumed = new LazyRowAdagrad(ROWS, DIM, SETTINGS, first.sums().clone());
      }
      first.update(straight, new int[] {4, 9}, 2, gradients.get(step));
      if (resumed != null) {
        resumed.update(resumedWeights, new int[] {4, 9}, 2, gradients.get(step));
      }
    }
    assertArrayEquals(straight, resumedWeights, 0f);
    assertArrayEquals(first.sums(), resumed.sums(), 0f);
  }

  @Test
  void refusesMismatchedSizesAndBadSettings() {
    LazyRowAdagrad lazy = new LazyRowAdagrad(ROWS, DIM, SETTINGS);
    assertThrows(IllegalArgumentException.class,
        () -> lazy.update(new float[3], new int[] {0}, 1, new float[DIM]));
    assertThrows(IllegalArgumentException.class,
        () -> lazy.update(new float[ROWS * DIM], new int[] {0, 1}, 2, new float[DIM]));
    assertThrows(IllegalArgumentException.class, () -> new LazyRowAdagrad(0, DIM, SETTINGS));
    assertThrows(IllegalArgumentException.class,
        () -> new LazyRowAdagrad(ROWS, DIM, SETTINGS, new float[ROWS * DIM - 1]));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AdagradSettings(0.1, -1, 1e-10));
    assertTrue(e.getMessage().contains("initial accumulator"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AdagradSettings(0, 0, 1e-10));
    assertThrows(IllegalArgumentException.class, () -> new AdagradSettings(0.1, 0, 0));
  }

  @Test
  void kindsNameTheirOptimizer() {
    assertEquals(TableOptimizer.Kind.ADAGRAD, new LazyRowAdagrad(ROWS, DIM, SETTINGS).kind());
    assertEquals(TableOptimizer.Kind.ADAM,
        new LazyRowAdam(ROWS, DIM, AdamSettings.withLearningRate(0.01)).kind());
  }
}
