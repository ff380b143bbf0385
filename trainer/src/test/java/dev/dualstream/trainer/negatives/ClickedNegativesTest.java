package dev.dualstream.trainer.negatives;

import static dev.dualstream.trainer.negatives.ToyWorld.C0;
import static dev.dualstream.trainer.negatives.ToyWorld.C1;
import static dev.dualstream.trainer.negatives.ToyWorld.DIM;
import static dev.dualstream.trainer.negatives.ToyWorld.P0;
import static dev.dualstream.trainer.negatives.ToyWorld.P1;
import static dev.dualstream.trainer.negatives.ToyWorld.Q0;
import static dev.dualstream.trainer.negatives.ToyWorld.Q1;
import static dev.dualstream.trainer.negatives.ToyWorld.S0;
import static dev.dualstream.trainer.negatives.ToyWorld.SCALE;
import static dev.dualstream.trainer.negatives.ToyWorld.dot;
import static dev.dualstream.trainer.negatives.ToyWorld.floats;
import static dev.dualstream.trainer.negatives.ToyWorld.fresh;
import static dev.dualstream.trainer.negatives.ToyWorld.ids;
import static dev.dualstream.trainer.negatives.ToyWorld.key;
import static dev.dualstream.trainer.negatives.ToyWorld.queryKey;
import static dev.dualstream.trainer.negatives.ToyWorld.stale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dualstream.trainer.loss.LossConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With a clicked-documents memory, no source draws a document as a negative for a query whose users
 * clicked it, in this batch or an earlier one; without it, the same batches do. Losses worked out
 * by hand from {@link ToyWorld}'s vectors.
 */
class ClickedNegativesTest {
  private static final NegativeConfig IN_BATCH = NegativeConfig.defaults();
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Q0's users clicked P0 and P1 in one batch: neither is the other's negative. */
  @Test
  void twoClicksOfOneQueryInABatchAreNotEachOthersNegatives() {
    Batch batch = new Batch().add(queryKey(Q0), key(P0), ids(P0)).add(queryKey(Q0), key(P1), ids(P1));
    float[] queries = rows(Q0, Q0);
    double s0 = SCALE * dot(fresh(Q0), fresh(P0));
    double s1 = SCALE * dot(fresh(Q0), fresh(P1));
    double without = (-Math.log(Math.exp(s0) / (Math.exp(s0) + Math.exp(s1)))
        - Math.log(Math.exp(s1) / (Math.exp(s0) + Math.exp(s1)))) / 2;
    assertEquals(without, loss(objective(IN_BATCH), batch, queries), 1e-5);
    assertEquals(0, loss(objective(IN_BATCH.withClickedMemory(16)), batch, queries), 1e-6,
        "each query is left with its positive alone");
  }

  /** Q0 clicked P0 a step ago and P1 now; Q1 clicked P0 now. P0 is Q1's positive, not Q0's negative. */
  @Test
  void aDocumentClickedInAnEarlierBatchIsNotANegative() {
    Batch first = new Batch().add(queryKey(Q0), key(P0), ids(P0));
    Batch second = new Batch().add(queryKey(Q0), key(P1), ids(P1)).add(queryKey(Q1), key(P0), ids(P0));
    double q0p0 = SCALE * dot(fresh(Q0), fresh(P0));
    double q0p1 = SCALE * dot(fresh(Q0), fresh(P1));
    double q1p0 = SCALE * dot(fresh(Q1), fresh(P0));
    double q1p1 = SCALE * dot(fresh(Q1), fresh(P1));
    double q1Loss = -Math.log(Math.exp(q1p0) / (Math.exp(q1p0) + Math.exp(q1p1)));
    double q0Loss = -Math.log(Math.exp(q0p1) / (Math.exp(q0p1) + Math.exp(q0p0)));

    NegativeObjective remembering = objective(IN_BATCH.withClickedMemory(16));
    step(remembering, first, rows(Q0));
    assertEquals(q1Loss / 2, loss(remembering, second, rows(Q0, Q1)), 1e-5);
    NegativeObjective forgetting = objective(IN_BATCH);
    step(forgetting, first, rows(Q0));
    assertEquals((q0Loss + q1Loss) / 2, loss(forgetting, second, rows(Q0, Q1)), 1e-5);
  }

  /** P0, clicked for Q0 before, is shown above today's click on S0: not a skip-above negative. */
  @Test
  void aClickedDocumentShownAboveTheClickIsNotASkipAboveNegative() {
    NegativeConfig skip = IN_BATCH.withInBatch(false).withSkipAbove(1);
    Batch first = new Batch().add(queryKey(Q0), key(P0), ids(P0));
    Batch second = new Batch().add(queryKey(Q0), key(S0), ids(S0), new long[] {key(P0)}, List.of(ids(P0)));
    for (boolean remember : new boolean[] {true, false}) {
      NegativeObjective objective = objective(remember ? skip.withClickedMemory(16) : skip);
      step(objective, first, rows(Q0));
      Plan plan = objective.plan(second, rows(Q0));
      assertEquals(remember ? 0 : 1, negatives(plan, 0), "remember " + remember);
    }
  }

  /**
   * A student learns from every document the step encoded: without in-batch negatives in the objective, the
   * batch's other positives and other queries' skip-above documents still join each query's candidate cells,
   * once per document, except one its users clicked.
   */
  @Test
  void studentsSeeEveryDocumentTheStepEncodedOnceEvenWhenTheObjectiveDrawsNone() {
    NegativeConfig skip = IN_BATCH.withInBatch(false).withSkipAbove(1).withClickedMemory(16);
    NegativeObjective objective = objective(skip);
    // Q0 clicks P0 and, in the same batch, P1; Q1 clicks S0 with P0 shown above it.
    Batch batch = new Batch().add(queryKey(Q0), key(P0), ids(P0)).add(queryKey(Q0), key(P1), ids(P1))
        .add(queryKey(Q1), key(S0), ids(S0), new long[] {key(P0)}, List.of(ids(P0)));
    Plan plan = objective.plan(batch, rows(Q0, Q0, Q1));
    int own = 2; // the positive and one skip-above column
    assertEquals(own + 1, plan.columns());
    int[] cells = plan.cells();
    // Q0's rows: the other click of Q0 and P0 (document 3, Q1's skip-above) are left out; S0 (positive 2) is in.
    assertEquals(List.of(0, -1, 2), row(cells, 0, plan.columns()));
    assertEquals(List.of(1, -1, 2), row(cells, 1, plan.columns()));
    // Q1's row: its skip-above P0 (document 3), then P1; the batch's P0 is the same document as 3, so not again.
    assertEquals(List.of(2, 3, 1), row(cells, 2, plan.columns()));
  }

  private static List<Integer> row(int[] cells, int i, int columns) {
    return java.util.Arrays.stream(cells, i * columns, (i + 1) * columns).boxed().toList();
  }

  /** The pool holds P0 alone, so every uniform draw is P0, which Q0's users clicked. */
  @Test
  void aClickedDocumentIsNotAUniformNegative() {
    NegativeConfig uniform = IN_BATCH.withInBatch(false).withUniform(3);
    Batch first = new Batch().add(queryKey(Q0), key(P0), ids(P0));
    Batch second = new Batch().add(queryKey(Q0), key(S0), ids(S0));
    for (boolean remember : new boolean[] {true, false}) {
      NegativeObjective objective = objective(remember ? uniform.withClickedMemory(16) : uniform);
      objective.addDocument(key(P0), ids(P0));
      step(objective, first, rows(Q0));
      Plan plan = objective.plan(second, rows(Q0));
      assertEquals(remember ? 0 : 3, negatives(plan, 0), "remember " + remember);
    }
  }

  /**
   * The cache holds P0 (scoring highest for Q0), C0 and C1; Q0 clicked P0 before and S0 now. With the
   * memory P0 is never drawn and is left out of the partition; without it P0 is drawn most of the time.
   */
  @Test
  void aClickedDocumentIsNeverDrawnFromTheCacheNorInItsPartition() {
    NegativeConfig cache = IN_BATCH.withInBatch(false).withCache(8, 0).withCacheRefresh(false, 0);
    for (boolean remember : new boolean[] {true, false}) {
      NegativeObjective objective = objective(remember ? cache.withClickedMemory(16) : cache);
      objective.cache().insert(key(C0), ids(C0), floats(stale(C0)), 0);
      objective.cache().insert(key(C1), ids(C1), floats(stale(C1)), 0);
      step(objective, new Batch().add(queryKey(Q0), key(P0), ids(P0)), rows(Q0));
      int drawnP0 = 0;
      for (int round = 0; round < 200; round++) {
        Plan plan = objective.plan(new Batch().add(queryKey(Q0), key(S0), ids(S0)), rows(Q0));
        drawnP0 += plan.sample.docKey(0) == key(P0) ? 1 : 0;
        if (remember) {
          double c0 = SCALE * dot(fresh(Q0), stale(C0));
          double c1 = SCALE * dot(fresh(Q0), stale(C1));
          assertEquals(Math.log(Math.exp(c0) + Math.exp(c1)), plan.sample.logPartition(0), 1e-5);
        }
      }
      if (remember) {
        assertEquals(0, drawnP0);
      } else {
        assertTrue(drawnP0 > 50, "P0 drawn " + drawnP0 + " times of 200 (its softmax weight is 0.47)");
      }
    }
  }

  private static NegativeObjective objective(NegativeConfig config) {
    return NegativeObjective.create(config, LossConfig.defaults(), SCALE, DIM, 4, ToyWorld.staleEncoder(), 5);
  }

  private static float[] rows(int... queries) {
    float[] flat = new float[queries.length * DIM];
    for (int i = 0; i < queries.length; i++) {
      System.arraycopy(floats(fresh(queries[i])), 0, flat, i * DIM, DIM);
    }
    return flat;
  }

  /** The mean loss of one planned batch, with the documents' fresh vectors. */
  private static double loss(NegativeObjective objective, Batch batch, float[] queries) {
    Plan plan = objective.plan(batch, queries);
    try (NDManager scope = manager.newSubManager()) {
      NDArray q = scope.create(queries, new Shape(batch.size(), DIM));
      NDArray d = scope.create(documents(plan), new Shape(plan.documents().size(), DIM));
      return objective.loss(plan, q, d).value();
    }
  }

  private static void step(NegativeObjective objective, Batch batch, float[] queries) {
    Plan plan = objective.plan(batch, queries);
    objective.update(plan, documents(plan), 1);
  }

  private static float[] documents(Plan plan) {
    float[] rows = new float[plan.documents().size() * DIM];
    for (int r = 0; r < plan.documents().size(); r++) {
      System.arraycopy(floats(fresh(plan.documents().get(r)[0])), 0, rows, r * DIM, DIM);
    }
    return rows;
  }

  /** Query {@code i}'s unmasked negative cells. */
  private static int negatives(Plan plan, int i) {
    int count = 0;
    for (int c = 1; c < plan.columns; c++) {
      count += plan.cellDoc[i * plan.columns + c] >= 0 ? 1 : 0;
    }
    return count;
  }
}
