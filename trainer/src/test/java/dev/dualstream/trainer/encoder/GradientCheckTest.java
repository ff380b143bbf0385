package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.loss.InBatchSoftmax;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training step's gradients against central finite differences of its loss, on a model small
 * enough to perturb every touched table entry: the pooled leaf's gradient from the engine, spread
 * over the table rows by {@link BagPooling#backward}, and the dense layers' gradients.
 */
class GradientCheckTest {

  private static final int BUCKETS = 40;
  private static final int DIM = 4;
  private static final int HIDDEN = 6;
  private static final int OUT = 3;
  private static final float SCALE = 4f;
  private static final float H = 1e-2f;
  private static final int PAIRS = 3;
  /** Queries then documents; rows repeat within a sequence (5, 5) and across them (3, 9). */
  private static final List<int[]> SEQUENCES = List.of(
      new int[] {3, 9, 5, 5}, new int[] {12, 0, 3}, new int[] {30},
      new int[] {9, 17, 22, 3, 0}, new int[] {12, 25}, new int[] {30, 31, 9});

  @Test
  void tableAndDenseGradientsMatchFiniteDifferences() {
    EmbeddingTable table = EmbeddingTable.random(BUCKETS, DIM, 0.8f, 21);
    RowBatch batch = RowBatch.of(SEQUENCES);
    try (NDManager manager = NDManager.newBaseManager()) {
      MlpTower tower = MlpTower.random(manager, DIM, HIDDEN, OUT, 22, true);
      List<float[]> dense = tower.values();
      DualEncoderNetwork network = new DualEncoderNetwork(manager.newSubManager(), table, tower);
      Map<Integer, float[]> rowGrads = new HashMap<>();
      List<float[]> denseGrads = analytic(network, batch, rowGrads);
      assertEquals(batch.size(), rowGrads.size());

      double largest = 0;
      float[] weights = table.weights();
      for (Map.Entry<Integer, float[]> e : rowGrads.entrySet()) {
        for (int k = 0; k < DIM; k++) {
          int at = e.getKey() * DIM + k;
          float saved = weights[at];
          weights[at] = saved + H;
          double plus = loss(table, dense, manager, batch);
          weights[at] = saved - H;
          double minus = loss(table, dense, manager, batch);
          weights[at] = saved;
          double numeric = (plus - minus) / (2 * H);
          largest = Math.max(largest, Math.abs(numeric));
          assertEquals(numeric, e.getValue()[k], 2e-3 + 2e-2 * Math.abs(numeric),
              "table row " + e.getKey() + " col " + k);
        }
      }
      for (int p = 0; p < dense.size(); p++) {
        for (int i = 0; i < dense.get(p).length; i++) {
          List<float[]> shifted = copy(dense);
          shifted.get(p)[i] += H;
          double plus = loss(table, shifted, manager, batch);
          shifted.get(p)[i] -= 2 * H;
          double minus = loss(table, shifted, manager, batch);
          double numeric = (plus - minus) / (2 * H);
          largest = Math.max(largest, Math.abs(numeric));
          assertEquals(numeric, denseGrads.get(p)[i], 2e-3 + 2e-2 * Math.abs(numeric),
              "dense parameter " + p + " element " + i);
        }
      }
      assertTrue(largest > 0.05, "gradients too small to test anything: " + largest);
    }
  }

  /** The loss's gradients as a training step computes them; table rows go into {@code rows}. */
  private static List<float[]> analytic(DualEncoderNetwork network, RowBatch batch,
      Map<Integer, float[]> rows) {
    try (NDManager scope = network.newStepManager()) {
      NDArray pooled = network.pool(scope, batch, 0, 2 * PAIRS);
      pooled.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(lossOf(network.encodePooled(pooled, true)));
      }
      NDArray grad = pooled.getGradient();
      grad.attach(scope);
      BagPooling.backward(batch, grad.toFloatArray(), DIM,
          (row, g, offset) -> rows.put(row, java.util.Arrays.copyOfRange(g, offset, offset + DIM)));
      List<float[]> dense = new ArrayList<>();
      for (NDArray p : network.tower().parameters()) {
        NDArray g = p.getGradient();
        g.attach(scope);
        dense.add(g.toFloatArray());
      }
      return dense;
    }
  }

  private static double loss(EmbeddingTable table, List<float[]> dense, NDManager manager,
      RowBatch batch) {
    try (NDManager scope = manager.newSubManager()) {
      MlpTower tower = MlpTower.of(scope, DIM, HIDDEN, OUT, dense, false);
      DualEncoderNetwork network = new DualEncoderNetwork(scope.newSubManager(), table, tower);
      return lossOf(network.encodePooled(network.pool(scope, batch, 0, 2 * PAIRS), false))
          .getFloat();
    }
  }

  private static NDArray lossOf(NDArray embedded) {
    return InBatchSoftmax.compute(embedded.get(new NDIndex("0:{}", PAIRS)),
        embedded.get(new NDIndex("{}:", PAIRS)), SCALE).loss();
  }

  private static List<float[]> copy(List<float[]> values) {
    List<float[]> out = new ArrayList<>();
    values.forEach(v -> out.add(v.clone()));
    return out;
  }
}
