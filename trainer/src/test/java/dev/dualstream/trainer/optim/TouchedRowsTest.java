package dev.dualstream.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TouchedRowsTest {
  @Test
  void drainReturnsTheMarkedRowsInOrderOnceEach() {
    TouchedRows touched = new TouchedRows(200);
    for (int row : new int[] {130, 0, 63, 64, 199, 63, 5}) {
      touched.mark(row);
    }
    assertEquals(6, touched.count());
    assertArrayEquals(new int[] {0, 5, 63, 64, 130, 199}, touched.drain());
    assertArrayEquals(new int[0], touched.drain(), "a drain clears");
    assertThrows(IndexOutOfBoundsException.class, () -> touched.mark(200));
  }

  /** Checkpoints and versions each see every change once, whenever the other drains. */
  @Test
  void eachReaderDrainsItsOwnMarks() {
    TouchedRows touched = new TouchedRows(100);
    touched.mark(3);
    touched.mark(70);
    assertArrayEquals(new int[] {3, 70}, touched.drain());
    touched.mark(5);
    assertEquals(3, touched.count(TouchedRows.Reader.VERSION));
    assertArrayEquals(new int[] {3, 5, 70}, touched.drain(TouchedRows.Reader.VERSION));
    assertArrayEquals(new int[] {5}, touched.drain(TouchedRows.Reader.CHECKPOINT));
    assertArrayEquals(new int[0], touched.drain(TouchedRows.Reader.VERSION));
  }

  /** Rows are updated from several threads at once (distinct rows, often in the same 64-row word). */
  @Test
  void concurrentMarksOfNeighbouringRowsAreNotLost() throws Exception {
    TouchedRows touched = new TouchedRows(1 << 12);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(pool.submit(() -> {
          for (int row = first; row < 1 << 12; row += 4) {
            touched.mark(row);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(1 << 12, touched.drain().length);
  }

  /** Both table optimizers mark exactly the rows they update. */
  @Test
  void theOptimizersMarkTheRowsTheyUpdate() {
    int rows = 1000;
    int dim = 4;
    for (TableOptimizer optimizer : List.of(new LazyRowAdam(rows, dim, AdamSettings.withLearningRate(0.01)),
        new LazyRowAdagrad(rows, dim, new AdagradSettings(0.1, 0.0, 1e-10)))) {
      float[] table = new float[rows * dim];
      SplittableRandom random = new SplittableRandom(7);
      TreeSet<Integer> expected = new TreeSet<>();
      for (int step = 0; step < 5; step++) {
        int[] batch = random.ints(0, rows).distinct().limit(30).toArray();
        float[] grads = new float[batch.length * dim];
        for (int i = 0; i < grads.length; i++) {
          grads[i] = (float) random.nextGaussian();
        }
        optimizer.update(table, batch, batch.length, grads);
        for (int row : batch) {
          expected.add(row);
        }
      }
      assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), optimizer.touched().drain(),
          optimizer.kind().toString());
    }
  }
}
