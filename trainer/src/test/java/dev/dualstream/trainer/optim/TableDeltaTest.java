package dev.dualstream.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.ArrayFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A chain of deltas over a snapshot gives back the table and its optimizer bit for bit. */
class TableDeltaTest {
  private static final int DIM = 8;

  @TempDir Path dir;

  /** A table and its optimizer, trained on random rows. */
  private static final class Trained {
    final float[] table;
    final TableOptimizer optimizer;
    final SplittableRandom random;

    Trained(TableOptimizer.Kind kind, int rows, long seed) {
      table = new float[rows * DIM];
      optimizer = kind == TableOptimizer.Kind.ADAM ? new LazyRowAdam(rows, DIM, AdamSettings.withLearningRate(0.01))
          : new LazyRowAdagrad(rows, DIM, new AdagradSettings(0.1, 0.1, 1e-10));
      random = new SplittableRandom(seed);
    }

    void steps(int n) {
      for (int s = 0; s < n; s++) {
        int[] batch = random.ints(1, optimizer.rows()).distinct().limit(40).toArray();
        float[] grads = new float[batch.length * DIM];
        for (int i = 0; i < grads.length; i++) {
          grads[i] = (float) random.nextGaussian();
        }
        optimizer.update(table, batch, batch.length, grads);
      }
    }

    /** Table and optimizer state, copied. */
    List<Object> state() {
      if (optimizer instanceof LazyRowAdam adam) {
        return List.of(table.clone(), adam.firstMoments().clone(), adam.secondMoments().clone(),
            adam.rowSteps().clone());
      }
      return List.of(table.clone(), ((LazyRowAdagrad) optimizer).sums().clone());
    }

    /** A fresh pair holding {@code state}. */
    static Trained of(TableOptimizer.Kind kind, int rows, List<Object> state) {
      Trained t = new Trained(kind, rows, 0);
      System.arraycopy((float[]) state.get(0), 0, t.table, 0, t.table.length);
      if (t.optimizer instanceof LazyRowAdam adam) {
        System.arraycopy((float[]) state.get(1), 0, adam.firstMoments(), 0, adam.firstMoments().length);
        System.arraycopy((float[]) state.get(2), 0, adam.secondMoments(), 0, adam.secondMoments().length);
        System.arraycopy((int[]) state.get(3), 0, adam.rowSteps(), 0, adam.rowSteps().length);
      } else {
        float[] sums = ((LazyRowAdagrad) t.optimizer).sums();
        System.arraycopy((float[]) state.get(1), 0, sums, 0, sums.length);
      }
      return t;
    }
  }

  @Test
  void aChainOfDeltasOverASnapshotRestoresTheTableAndOptimizerExactly() throws IOException {
    for (TableOptimizer.Kind kind : TableOptimizer.Kind.values()) {
      Trained live = new Trained(kind, 4096, 42);
      live.steps(20);
      List<Object> snapshot = live.state();
      live.optimizer.touched().drain();
      Trained restored = Trained.of(kind, 4096, snapshot);
      for (int link = 0; link < 3; link++) {
        live.steps(10);
        TableDelta delta = TableDelta.capture(live.table, live.optimizer, live.optimizer.touched().drain());
        Path file = dir.resolve(kind + "-" + link + ".delta");
        delta.write(file, ArrayFile.Durability.SCRATCH);
        assertEquals(delta.bytes(), Files.size(file));
        TableDelta.read(file).applyTo(restored.table, restored.optimizer);
      }
      assertSameState(kind, live, restored);
    }
  }

  /**
   * Captured one after another into the same buffers (as a trainer does every checkpoint), deltas of fewer rows
   * than the buffers hold write exactly their rows, and a chain of them still restores the table bit for bit.
   */
  @Test
  void deltasCapturedIntoReusedBuffersWriteOnlyTheirRows() throws IOException {
    for (TableOptimizer.Kind kind : TableOptimizer.Kind.values()) {
      Trained live = new Trained(kind, 4096, 7);
      List<Object> snapshot = live.state();
      Trained restored = Trained.of(kind, 4096, snapshot);
      TableDelta.Buffers buffers = new TableDelta.Buffers();
      TableDelta previous = null;
      for (int link = 0; link < 3; link++) {
        live.steps(12 - 5 * link); // fewer rows each time: the buffers are larger than the delta
        TableDelta delta = TableDelta.capture(live.table, live.optimizer, live.optimizer.touched().drain(), buffers);
        if (previous != null) {
          assertTrue(previous.weights() == delta.weights(), "the same arrays, reused");
          assertTrue(delta.weights().length > delta.ids().length * DIM);
        }
        Path file = dir.resolve(kind + "-reused-" + link + ".delta");
        delta.write(file, ArrayFile.Durability.SCRATCH);
        assertEquals(delta.bytes(), Files.size(file));
        TableDelta.read(file).applyTo(restored.table, restored.optimizer);
        previous = delta;
      }
      assertSameState(kind, live, restored);
    }
  }

  /** Many rows are copied in parts on several threads; every row lands where it belongs. */
  @Test
  void aLargeCaptureCopiedInParallelHoldsEveryRow() {
    Trained live = new Trained(TableOptimizer.Kind.ADAGRAD, 50_000, 11);
    for (int i = 0; i < live.table.length; i++) {
      live.table[i] = i;
    }
    int[] ids = java.util.stream.IntStream.range(0, 50_000).filter(r -> r % 3 != 1).toArray();
    TableDelta delta = TableDelta.capture(live.table, live.optimizer, ids);
    for (int i = 0; i < ids.length; i++) {
      for (int d = 0; d < DIM; d++) {
        assertEquals(ids[i] * DIM + d, delta.weights()[i * DIM + d], "row " + ids[i]);
      }
    }
  }

  /** The capture is a copy: training after it does not change what the delta holds. */
  @Test
  void aCapturedDeltaHoldsTheStateAtCaptureWhateverTrainingDoesNext() {
    Trained live = new Trained(TableOptimizer.Kind.ADAGRAD, 1024, 1);
    live.steps(5);
    int[] rows = live.optimizer.touched().drain();
    TableDelta delta = TableDelta.capture(live.table, live.optimizer, rows);
    float[] weights = delta.weights().clone();
    live.steps(50);
    assertArrayEquals(weights, delta.weights());
    assertEquals(rows[0], delta.ids()[0]);
  }

  /** What a delta costs depends on the rows that changed, not on the size of the table. */
  @Test
  void aDeltasSizeIsTheRowsThatChangedNotTheTables() {
    int[] rows = {1, 17, 300, 901};
    long small = TableDelta.capture(new Trained(TableOptimizer.Kind.ADAM, 1024, 0).table,
        new Trained(TableOptimizer.Kind.ADAM, 1024, 0).optimizer, rows).bytes();
    Trained big = new Trained(TableOptimizer.Kind.ADAM, 1 << 16, 0);
    assertEquals(small, TableDelta.capture(big.table, big.optimizer, rows).bytes());
    assertEquals(32 + 4L * rows.length * (1 + 3 * DIM + 1), small);
  }

  @Test
  void aForeignTruncatedOrMismatchedDeltaIsRefused() throws IOException {
    Trained live = new Trained(TableOptimizer.Kind.ADAM, 512, 3);
    live.steps(3);
    Path file = dir.resolve("d");
    TableDelta.capture(live.table, live.optimizer, live.optimizer.touched().drain())
        .write(file, ArrayFile.Durability.SCRATCH);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(dir.resolve("short"), Arrays.copyOf(bytes, bytes.length - 4));
    assertTrue(assertThrows(IOException.class, () -> TableDelta.read(dir.resolve("short"))).getMessage()
        .contains("bytes, expected"));
    bytes[0] ^= 1;
    Files.write(dir.resolve("foreign"), bytes);
    assertTrue(assertThrows(IOException.class, () -> TableDelta.read(dir.resolve("foreign"))).getMessage()
        .contains("not a table delta"));
    Trained other = new Trained(TableOptimizer.Kind.ADAGRAD, 512, 3);
    TableDelta delta = TableDelta.read(file);
    assertThrows(IllegalArgumentException.class, () -> delta.applyTo(other.table, other.optimizer));
    assertThrows(IllegalArgumentException.class, () -> TableDelta.capture(live.table, live.optimizer,
        new int[] {5, 3}));
  }

  /** The table and every optimizer array of {@code restored} equal {@code live}'s, bit for bit. */
  private static void assertSameState(TableOptimizer.Kind kind, Trained live, Trained restored) {
    List<Object> expected = live.state();
    List<Object> actual = restored.state();
    for (int i = 0; i < expected.size(); i++) {
      assertTrue(expected.get(i) instanceof float[] f ? Arrays.equals(f, (float[]) actual.get(i))
          : Arrays.equals((int[]) expected.get(i), (int[]) actual.get(i)), kind + " array " + i);
    }
  }
}
