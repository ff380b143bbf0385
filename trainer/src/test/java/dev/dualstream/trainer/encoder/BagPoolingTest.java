package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BagPoolingTest {

  private static final int BUCKETS = 500;
  private static final int DIM = 8;

  @AfterEach
  void restoreThreads() {
    ComputeThreads.apply(1);
  }

  @Test
  void poolsEachSequenceToTheMeanOfItsRows() {
    EmbeddingTable table = EmbeddingTable.random(BUCKETS, DIM, 0.5f, 3);
    List<int[]> sequences = sequences(new Random(4), 300);
    RowBatch batch = RowBatch.of(sequences);
    ComputeThreads.apply(2);
    float[] all = BagPooling.pool(table, batch, 0, 300);
    for (int s = 0; s < 300; s++) {
      int[] ids = Arrays.stream(sequences.get(s)).filter(id -> id != 0).toArray();
      for (int k = 0; k < DIM; k++) {
        double sum = 0;
        for (int id : ids) {
          sum += table.weights()[id * DIM + k];
        }
        assertEquals(ids.length == 0 ? 0 : sum / ids.length, all[s * DIM + k], 1e-6,
            "sequence " + s + " col " + k);
      }
    }
    float[] tail = BagPooling.pool(table, batch, 100, 300);
    assertArrayEquals(Arrays.copyOfRange(all, 100 * DIM, 300 * DIM), tail, 0f);
  }

  @Test
  void anEmptySequencePoolsToZeros() {
    EmbeddingTable table = EmbeddingTable.random(BUCKETS, DIM, 0.5f, 3);
    RowBatch batch = RowBatch.of(List.of(new int[] {}, new int[] {0, 0}, new int[] {7}));
    float[] pooled = BagPooling.pool(table, batch, 0, 3);
    for (int k = 0; k < 2 * DIM; k++) {
      assertEquals(0f, pooled[k], 0f);
    }
    assertArrayEquals(table.row(7), Arrays.copyOfRange(pooled, 2 * DIM, 3 * DIM));
  }

  @Test
  void backwardGivesEachRowTheSumOverItsOccurrencesOnce() {
    Random random = new Random(6);
    List<int[]> sequences = sequences(random, 200);
    RowBatch batch = RowBatch.of(sequences);
    float[] pooledGrads = new float[200 * DIM];
    for (int i = 0; i < pooledGrads.length; i++) {
      pooledGrads[i] = (float) random.nextGaussian();
    }
    double[][] expected = new double[BUCKETS + 1][DIM];
    for (int s = 0; s < sequences.size(); s++) {
      int length = (int) Arrays.stream(sequences.get(s)).filter(id -> id != 0).count();
      for (int id : sequences.get(s)) {
        for (int k = 0; id != 0 && k < DIM; k++) {
          expected[id][k] += pooledGrads[s * DIM + k] / length;
        }
      }
    }
    ComputeThreads.apply(2);
    ConcurrentHashMap<Integer, float[]> got = new ConcurrentHashMap<>();
    AtomicInteger calls = new AtomicInteger();
    BagPooling.backward(batch, pooledGrads, DIM, (row, grads, offset) -> {
      calls.incrementAndGet();
      got.put(row, Arrays.copyOfRange(grads, offset, offset + DIM));
    });
    assertEquals(batch.size(), calls.get(), "one call per distinct row");
    assertEquals(batch.size(), got.size());
    got.forEach((row, grad) -> {
      for (int k = 0; k < DIM; k++) {
        assertEquals(expected[row][k], grad[k], 1e-5, "row " + row + " col " + k);
      }
    });
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() {
    EmbeddingTable table = EmbeddingTable.random(BUCKETS, DIM, 0.5f, 8);
    RowBatch batch = RowBatch.of(sequences(new Random(9), 400));
    float[] pooledGrads = new float[400 * DIM];
    Arrays.fill(pooledGrads, 0.25f);
    List<float[]> pooled = new ArrayList<>();
    List<float[]> grads = new ArrayList<>();
    for (int threads : new int[] {1, 2, 3}) {
      ComputeThreads.apply(threads);
      pooled.add(BagPooling.pool(table, batch, 0, 400));
      float[] flat = new float[(BUCKETS + 1) * DIM];
      BagPooling.backward(batch, pooledGrads, DIM,
          (row, g, offset) -> System.arraycopy(g, offset, flat, row * DIM, DIM));
      grads.add(flat);
    }
    for (int i = 1; i < 3; i++) {
      assertArrayEquals(pooled.get(0), pooled.get(i), 0f);
      assertArrayEquals(grads.get(0), grads.get(i), 0f);
    }
  }

  @Test
  void refusesGradientsOfTheWrongShape() {
    RowBatch batch = RowBatch.of(List.of(new int[] {1, 2}));
    assertThrows(IllegalArgumentException.class,
        () -> BagPooling.backward(batch, new float[DIM + 1], DIM, (row, g, o) -> { }));
  }

  /**
   * Sequences of 0 to 30 ids, one in ten of them padding (0), skewed so that rows repeat within
   * and across sequences.
   */
  static List<int[]> sequences(Random random, int count) {
    List<int[]> sequences = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      int[] ids = new int[random.nextInt(31)];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = random.nextInt(10) == 0
            ? 0 : 1 + (int) Math.min(BUCKETS - 1, Math.abs(random.nextGaussian()) * BUCKETS / 4);
      }
      sequences.add(ids);
    }
    return sequences;
  }
}
