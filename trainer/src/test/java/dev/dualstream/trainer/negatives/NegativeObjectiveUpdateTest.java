package dev.dualstream.trainer.negatives;

import static dev.dualstream.trainer.negatives.ToyWorld.C0;
import static dev.dualstream.trainer.negatives.ToyWorld.C1;
import static dev.dualstream.trainer.negatives.ToyWorld.DIM;
import static dev.dualstream.trainer.negatives.ToyWorld.P0;
import static dev.dualstream.trainer.negatives.ToyWorld.P1;
import static dev.dualstream.trainer.negatives.ToyWorld.S0;
import static dev.dualstream.trainer.negatives.ToyWorld.S1;
import static dev.dualstream.trainer.negatives.ToyWorld.X;
import static dev.dualstream.trainer.negatives.ToyWorld.floats;
import static dev.dualstream.trainer.negatives.ToyWorld.fresh;
import static dev.dualstream.trainer.negatives.ToyWorld.key;
import static dev.dualstream.trainer.negatives.ToyWorld.stale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.cache.CacheStats;
import dev.dualstream.cache.NegativeCache;
import dev.dualstream.trainer.loss.LossConfig;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a step leaves behind: the cache's contents and staleness, the document pool, the corpus. */
class NegativeObjectiveUpdateTest {
  private static NegativeConfig cacheOnly(boolean refreshSampled, int refreshOldest) {
    return NegativeConfig.defaults().withCache(8, 0).withInBatch(false).withCacheRefresh(refreshSampled, refreshOldest);
  }

  /** The fresh embeddings of the plan's documents, as the forward pass would give them. */
  private static float[] freshRows(Plan plan) {
    float[] rows = new float[plan.documents().size() * DIM];
    for (int r = 0; r < plan.documents().size(); r++) {
      System.arraycopy(floats(fresh(plan.documents().get(r)[0])), 0, rows, r * DIM, DIM);
    }
    return rows;
  }

  @Test
  void drawnEntriesAreRefreshedPositivesInsertedAndStalenessMeasured() {
    NegativeObjective objective = ToyWorld.objective(cacheOnly(true, 0), LossConfig.defaults());
    Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
    double expected = 0;
    Set<Integer> drawn = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      int doc = plan.documents().get(plan.cacheDoc[i])[0];
      drawn.add(doc);
      expected += relativeError(stale(doc), fresh(doc));
    }
    objective.update(plan, freshRows(plan), 1);
    NegativeCache cache = objective.cache();
    assertEquals(expected / 3, objective.cacheStaleness(), 1e-6);
    for (int doc : drawn) {
      assertArrayEquals(floats(fresh(doc)), cache.get(key(doc)).orElseThrow().embedding(), doc + " refreshed");
    }
    for (int doc : new int[] {P0, P1}) {
      assertArrayEquals(floats(fresh(doc)), cache.get(key(doc)).orElseThrow().embedding(), doc + " inserted");
      assertArrayEquals(new int[] {doc}, cache.get(key(doc)).orElseThrow().features());
      assertEquals(1, cache.get(key(doc)).orElseThrow().modelVersion());
    }
    CacheStats stats = objective.cacheStats().orElseThrow();
    assertEquals(4, stats.size());
    assertEquals(1, stats.step());
    assertEquals(4, objective.cacheSize());
  }

  @Test
  void withoutRefreshDrawnEntriesStayStaleButStalenessIsStillMeasured() {
    NegativeObjective objective = ToyWorld.objective(cacheOnly(false, 0), LossConfig.defaults());
    Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
    objective.update(plan, freshRows(plan), 1);
    assertTrue(objective.cacheStaleness() > 0.01, "staleness " + objective.cacheStaleness());
    for (int doc : new int[] {C0, C1}) {
      assertArrayEquals(floats(stale(doc)), objective.cache().get(key(doc)).orElseThrow().embedding());
    }
    // P0 was cached stale and is a positive of this batch: inserting rewrites it with the fresh vector.
    assertArrayEquals(floats(fresh(P0)), objective.cache().get(key(P0)).orElseThrow().embedding());
  }

  @Test
  void theOldestEntriesAreReEncodedWhenAsked() {
    // Fresh vectors go in for drawn entries and positives; the encoder hook returns the stale ones,
    // so an entry holding its stale vector after the step was refreshed as one of the oldest.
    NegativeObjective objective = ToyWorld.objective(cacheOnly(false, 8), LossConfig.defaults());
    Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
    objective.update(plan, freshRows(plan), 1);
    for (int doc : new int[] {C0, C1, P0, P1}) {
      assertArrayEquals(floats(stale(doc)), objective.cache().get(key(doc)).orElseThrow().embedding(),
          doc + " re-encoded");
    }
    assertEquals(4, objective.cacheStats().orElseThrow().refreshes());
  }

  @Test
  void positivesAndSkipAboveDocumentsJoinThePoolAndUniformDrawsReachThem() {
    NegativeConfig config = NegativeConfig.defaults().withSkipAbove(2).withUniform(8);
    NegativeObjective objective = ToyWorld.objective(config, LossConfig.defaults());
    assertEquals(1, objective.poolSize());
    Plan first = objective.plan(ToyWorld.batch(), null);
    objective.update(first, freshRows(first), 1);
    assertEquals(5, objective.poolSize(), "X, P0, P1, S0, S1");
    Plan second = objective.plan(ToyWorld.batch(), null);
    Set<Integer> uniform = new HashSet<>();
    second.documents().subList(3 + 3, second.documents().size()).forEach(ids -> uniform.add(ids[0]));
    assertTrue(uniform.size() > 1 && Set.of(X, P0, P1, S0, S1).containsAll(uniform), uniform.toString());
    assertFalse(objective.addDocument(key(X), ToyWorld.ids(X)), "known already");
  }

  @Test
  void theCorpusIsReEncodedEveryIntervalOfSteps() {
    NegativeConfig config = NegativeConfig.defaults().withInBatch(false).withCorpus(2);
    NegativeObjective objective = ToyWorld.objective(config, LossConfig.defaults());
    for (int step = 1; step <= 5; step++) {
      Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
      objective.update(plan, freshRows(plan), step);
    }
    // Encoded at the first draw, then after steps 2 and 4; the pool grew to X, P0, P1 after step 1.
    assertEquals(3, objective.corpus().reencodings());
    assertEquals(3, objective.corpus().encoded());
  }

  @Test
  void sameSeedSameDraws() {
    NegativeConfig config = NegativeConfig.defaults().withCache(8, 0).withUniform(3);
    String first;
    String second;
    NegativeObjective a = ToyWorld.objective(config, LossConfig.defaults());
    NegativeObjective b = ToyWorld.objective(config, LossConfig.defaults());
    first = describe(a.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings()));
    second = describe(b.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings()));
    assertEquals(first, second);
  }

  @Test
  void refusesMismatchedInputs() {
    NegativeObjective objective = ToyWorld.objective(cacheOnly(true, 0), LossConfig.defaults());
    assertTrue(objective.needsQueryEmbeddings());
    assertThrows(IllegalArgumentException.class, () -> objective.plan(ToyWorld.batch(), null));
    assertThrows(IllegalArgumentException.class, () -> objective.plan(new Batch(), new float[0]));
    Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
    assertThrows(IllegalArgumentException.class, () -> objective.update(plan, new float[DIM], 1));
    assertThrows(IllegalArgumentException.class,
        () -> new Batch().add(0, 1, new int[] {1}, new long[] {2}, java.util.List.of()));
  }

  private static String describe(Plan plan) {
    StringBuilder out = new StringBuilder();
    plan.documents().forEach(ids -> out.append(ids[0]).append(' '));
    return out.toString();
  }

  private static double relativeError(double[] cached, double[] fresh) {
    double error = 0;
    double norm = 0;
    for (int k = 0; k < DIM; k++) {
      float f = (float) fresh[k];
      double d = (float) cached[k] - f;
      error += d * d;
      norm += (double) f * f;
    }
    return error / norm;
  }
}
