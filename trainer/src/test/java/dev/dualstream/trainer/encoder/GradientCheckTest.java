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
 * The training step's gradients against central finite differences of its loss, on models small
 * enough to perturb every touched table entry: the tower input's gradient from the engine, spread
 * over the table rows by the tower's backward ({@link BagPooling#backward} for the bag, a
 * scatter-add over token positions for the Transformer), and the dense parameters' gradients.
 */
class GradientCheckTest {

  /** Builds a tower of the kind under test, with the given values or seeded random ones. */
  private interface Towers {
    Tower make(NDManager manager, List<float[]> values, boolean trainable);
  }

  private static final Towers BAG = (manager, values, trainable) -> values == null
      ? MlpTower.random(manager, 4, 6, 3, 22, trainable)
      : MlpTower.of(manager, 4, 6, 3, values, trainable);

  private static final TransformerSpec SPEC = new TransformerSpec(2, 2, 0);
  private static final Towers TRANSFORMER = (manager, values, trainable) -> values == null
      ? TransformerTower.random(manager, 4, 6, 3, 5, SPEC, 23, trainable)
      : TransformerTower.of(manager, 4, 6, 3, 5, SPEC, values, trainable);

  private static final int BUCKETS = 40;
  private static final int DIM = 4;
  private static final float SCALE = 4f;
  /** Small enough that layer norm and softmax curvature stay below the tolerance, in float32. */
  private static final float H = 2e-3f;
  private static final int PAIRS = 3;
  /** Queries then documents; rows repeat within a sequence (5, 5) and across them (3, 9). */
  private static final List<int[]> SEQUENCES = List.of(
      new int[] {3, 9, 5, 5}, new int[] {12, 0, 3}, new int[] {30},
      new int[] {9, 17, 22, 3, 0}, new int[] {12, 25}, new int[] {30, 31, 9});

  @Test
  void bagTableAndDenseGradientsMatchFiniteDifferences() {
    check(BAG);
  }

  @Test
  void transformerTableAndDenseGradientsMatchFiniteDifferences() {
    check(TRANSFORMER);
  }

  private static void check(Towers towers) {
    EmbeddingTable table = EmbeddingTable.random(BUCKETS, DIM, 0.8f, 21);
    RowBatch batch = RowBatch.of(SEQUENCES);
    try (NDManager manager = NDManager.newBaseManager()) {
      Tower tower = towers.make(manager, null, true);
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
          double plus = loss(towers, table, dense, manager, batch);
          weights[at] = saved - H;
          double minus = loss(towers, table, dense, manager, batch);
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
          double plus = loss(towers, table, shifted, manager, batch);
          shifted.get(p)[i] -= 2 * H;
          double minus = loss(towers, table, shifted, manager, batch);
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
      TowerInput input = network.input(scope, batch, 0, 2 * PAIRS);
      input.leaf().setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(lossOf(network.encode(input, true)));
      }
      NDArray grad = input.leaf().getGradient();
      grad.attach(scope);
      network.backward(input, grad.toFloatArray(), (row, g, offset) -> {
        synchronized (rows) {
          rows.put(row, java.util.Arrays.copyOfRange(g, offset, offset + DIM));
        }
      });
      List<float[]> dense = new ArrayList<>();
      for (NDArray p : network.tower().parameters()) {
        NDArray g = p.getGradient();
        g.attach(scope);
        dense.add(g.toFloatArray());
      }
      return dense;
    }
  }

  private static double loss(Towers towers, EmbeddingTable table, List<float[]> dense,
      NDManager manager, RowBatch batch) {
    try (NDManager scope = manager.newSubManager()) {
      Tower tower = towers.make(scope, dense, false);
      DualEncoderNetwork network = new DualEncoderNetwork(scope.newSubManager(), table, tower);
      return lossOf(network.encode(network.input(scope, batch, 0, 2 * PAIRS), false))
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
