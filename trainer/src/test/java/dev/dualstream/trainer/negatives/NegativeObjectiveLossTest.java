package dev.dualstream.trainer.negatives;

import static dev.dualstream.trainer.negatives.ToyWorld.C0;
import static dev.dualstream.trainer.negatives.ToyWorld.C1;
import static dev.dualstream.trainer.negatives.ToyWorld.P0;
import static dev.dualstream.trainer.negatives.ToyWorld.SCALE;
import static dev.dualstream.trainer.negatives.ToyWorld.X;
import static dev.dualstream.trainer.negatives.ToyWorld.dot;
import static dev.dualstream.trainer.negatives.ToyWorld.fresh;
import static dev.dualstream.trainer.negatives.ToyWorld.key;
import static dev.dualstream.trainer.negatives.ToyWorld.stale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.loss.LossConfig;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every combination of sources, logQ on or off, cross-entropy or PHuber, and label bias on or off,
 * on the three-query {@link ToyWorld} batch: loss and gradients against the formulas of {@link
 * NegativeConfig} and {@link NegativeObjective}, worked out here in plain doubles.
 */
class NegativeObjectiveLossTest {
  private static final double PHUBER_TAU = 2;
  private static final double LABEL_BIAS = 0.5;
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  static Stream<Arguments> combinations() {
    List<Arguments> all = new ArrayList<>();
    NegativeSource[] sources = NegativeSource.values();
    for (int mask = 1; mask < (1 << sources.length); mask++) {
      Set<NegativeSource> on = EnumSet.noneOf(NegativeSource.class);
      for (int s = 0; s < sources.length; s++) {
        if ((mask & (1 << s)) != 0) {
          on.add(sources[s]);
        }
      }
      Set<NegativeSource> correctable = EnumSet.copyOf(on);
      correctable.retainAll(EnumSet.of(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE, NegativeSource.UNIFORM));
      List<Set<NegativeSource>> logQs = correctable.isEmpty() ? List.of(Set.of()) : List.of(Set.of(), correctable);
      for (Set<NegativeSource> logQ : logQs) {
        for (LossConfig.Kind kind : LossConfig.Kind.values()) {
          for (double bias : new double[] {0, LABEL_BIAS}) {
            all.add(Arguments.of(on, logQ, kind, bias));
          }
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} logQ {1} {2} labelBias {3}")
  @MethodSource("combinations")
  void lossAndGradientsMatchTheFormulas(Set<NegativeSource> on, Set<NegativeSource> logQ, LossConfig.Kind kind,
      double bias) {
    NegativeConfig config = new NegativeConfig(on.contains(NegativeSource.IN_BATCH),
        on.contains(NegativeSource.CACHE) ? 4 : 0, 0, true, 0, on.contains(NegativeSource.SKIP_ABOVE) ? 2 : 0,
        on.contains(NegativeSource.UNIFORM) ? 2 : 0, on.contains(NegativeSource.CORPUS) ? 100 : 0, 16, logQ,
        1 << 12, 4, 1.0, 0);
    LossConfig loss = new LossConfig(kind, PHUBER_TAU, bias);
    try (NDManager scope = manager.newSubManager()) {
      NegativeObjective objective = ToyWorld.objective(config, loss);
      Plan plan = objective.plan(ToyWorld.batch(), ToyWorld.queryEmbeddings());
      Reference expected = new Reference(config, loss, plan);
      NDArray queries = scope.create(ToyWorld.queryEmbeddings(), new Shape(3, ToyWorld.DIM));
      NDArray documents = scope.create(freshRows(plan), new Shape(plan.documents().size(), ToyWorld.DIM));
      queries.setRequiresGradient(true);
      documents.setRequiresGradient(true);
      NegativeObjective.Loss result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        result = objective.loss(plan, queries, documents);
        collector.backward(result.surrogate());
      }
      assertEquals(expected.loss, result.value(), 1e-5, "loss");
      float[] queryGradient = queries.getGradient().toFloatArray();
      for (int k = 0; k < queryGradient.length; k++) {
        assertEquals(expected.queryGradient[k], queryGradient[k], 1e-5, "query gradient " + k);
      }
      Map<Integer, double[]> byDocument = byFeature(plan, documents.getGradient().toFloatArray());
      for (Map.Entry<Integer, double[]> e : expected.documentGradient.entrySet()) {
        double[] actual = byDocument.getOrDefault(e.getKey(), new double[ToyWorld.DIM]);
        for (int k = 0; k < ToyWorld.DIM; k++) {
          assertEquals(e.getValue()[k], actual[k], 1e-5, "gradient of document " + e.getKey());
        }
      }
      assertEquals(expected.documentGradient.keySet(), nonZero(byDocument), "documents with a gradient");
    }
  }

  @Test
  void cacheAloneIsThePapersLossAndSurrogate() {
    // One query, the cache holding C0 only: p_pos from the fresh positive and C0's stale score,
    // loss -log p_pos, surrogate (1 - p_pos)(s_neg - s_pos) with s_neg from C0's fresh vector.
    NegativeConfig config = NegativeConfig.defaults().withInBatch(false).withCache(2, 0);
    try (NDManager scope = manager.newSubManager()) {
      NegativeObjective objective = NegativeObjective.create(config, LossConfig.defaults(), SCALE, ToyWorld.DIM, 4,
          ToyWorld.staleEncoder(), 1);
      objective.cache().insert(key(C0), ToyWorld.ids(C0), ToyWorld.floats(stale(C0)), 0);
      float[] q = ToyWorld.floats(fresh(ToyWorld.Q1));
      Plan plan = objective.plan(new Batch().add(ToyWorld.queryKey(ToyWorld.Q1), key(P0), ToyWorld.ids(P0)), q);
      double sPos = SCALE * dot(fresh(ToyWorld.Q1), fresh(P0));
      double sStale = SCALE * dot(fresh(ToyWorld.Q1), stale(C0));
      double sNeg = SCALE * dot(fresh(ToyWorld.Q1), fresh(C0));
      double pPos = Math.exp(sPos) / (Math.exp(sPos) + Math.exp(sStale));
      NDArray queries = scope.create(q, new Shape(1, ToyWorld.DIM));
      NDArray documents = scope.create(freshRows(plan), new Shape(2, ToyWorld.DIM));
      NegativeObjective.Loss loss = objective.loss(plan, queries, documents);
      assertEquals(-Math.log(pPos), loss.value(), 1e-6);
      assertEquals(pPos, loss.positiveProbability(), 1e-6);
      assertEquals((1 - pPos) * (sNeg - sPos), loss.surrogate().getFloat(), 1e-5);
      assertEquals(sNeg < sPos ? 1.0 : 0.0, loss.accuracy());
    }
  }

  private static float[] freshRows(Plan plan) {
    float[] rows = new float[plan.documents().size() * ToyWorld.DIM];
    for (int r = 0; r < plan.documents().size(); r++) {
      System.arraycopy(ToyWorld.floats(fresh(plan.documents().get(r)[0])), 0, rows, r * ToyWorld.DIM, ToyWorld.DIM);
    }
    return rows;
  }

  private static Map<Integer, double[]> byFeature(Plan plan, float[] gradient) {
    Map<Integer, double[]> sums = new HashMap<>();
    for (int r = 0; r < plan.documents().size(); r++) {
      double[] sum = sums.computeIfAbsent(plan.documents().get(r)[0], f -> new double[ToyWorld.DIM]);
      for (int k = 0; k < ToyWorld.DIM; k++) {
        sum[k] += gradient[r * ToyWorld.DIM + k];
      }
    }
    return sums;
  }

  private static Set<Integer> nonZero(Map<Integer, double[]> gradients) {
    Set<Integer> out = new java.util.HashSet<>();
    gradients.forEach((id, g) -> {
      if (Math.abs(g[0]) + Math.abs(g[1]) + Math.abs(g[2]) > 1e-9) {
        out.add(id);
      }
    });
    return out;
  }

  /** The expected loss and gradients, from the documented formulas. */
  private static final class Reference {
    final double loss;
    final double[] queryGradient = new double[3 * ToyWorld.DIM];
    final Map<Integer, double[]> documentGradient = new HashMap<>();

    Reference(NegativeConfig config, LossConfig lossConfig, Plan plan) {
      int[] queries = ToyWorld.queries();
      int[] positives = ToyWorld.positives();
      Map<Integer, Double> positiveCount = Map.of(P0, 1.0, ToyWorld.P1, 2.0);
      Map<Integer, Double> skipCount = Map.of(ToyWorld.S0, 1.0, ToyWorld.S1, 2.0, ToyWorld.P1, 1.0);
      double total = 3;
      java.util.function.IntToDoubleFunction pi = d -> Math.max(positiveCount.getOrDefault(d, 0.0), 1.0) / total;
      java.util.function.IntToDoubleFunction bias = d -> lossConfig.labelBiasTau() * Math.log(pi.applyAsDouble(d));
      double lossSum = 0;
      for (int i = 0; i < 3; i++) {
        double[] q = fresh(queries[i]);
        List<Candidate> candidates = new ArrayList<>();
        int own = positives[i];
        candidates.add(Candidate.fresh(q, own, bias.applyAsDouble(own)));
        if (config.inBatch()) {
          for (int j = 0; j < 3; j++) {
            int d = positives[j];
            if (j != i && d != own) {
              double logQ = config.logQ().contains(NegativeSource.IN_BATCH) ? Math.log(2 * pi.applyAsDouble(d)) : 0;
              candidates.add(Candidate.fresh(q, d, bias.applyAsDouble(d) - logQ));
            }
          }
        }
        if (config.skipAbove() > 0) {
          int[] skips = ToyWorld.skipAbove()[i];
          int taken = Math.min(skips.length, config.skipAbove());
          for (int t = 0; t < taken; t++) {
            int d = skips[t];
            if (d != own) {
              double logQ = config.logQ().contains(NegativeSource.SKIP_ABOVE)
                  ? Math.log(taken * skipCount.get(d) / 4.0) : 0;
              candidates.add(Candidate.fresh(q, d, bias.applyAsDouble(d) - logQ));
            }
          }
        }
        if (config.uniform() > 0) {
          double logQ = config.logQ().contains(NegativeSource.UNIFORM) ? Math.log(2 / 1.0) : 0;
          candidates.add(Candidate.fresh(q, X, bias.applyAsDouble(X) - logQ));
          candidates.add(Candidate.fresh(q, X, bias.applyAsDouble(X) - logQ));
        }
        if (config.cacheSize() > 0) {
          double partition = 0;
          for (int entry : new int[] {C0, C1, P0}) {
            if (entry != own) {
              partition += Math.exp(SCALE * dot(q, stale(entry)));
            }
          }
          int drawn = plan.documents().get(plan.cacheDoc[i])[0];
          assertTrue(drawn != own && (drawn == C0 || drawn == C1 || drawn == P0), "drawn " + drawn);
          candidates.add(new Candidate(Math.log(partition) + bias.applyAsDouble(drawn), drawn));
        }
        if (config.corpusRefreshSteps() > 0) {
          // The corpus holds X alone (stale, as encoded); the draw is X, re-encoded fresh.
          int drawn = plan.documents().get(plan.corpusDoc[i])[0];
          assertEquals(X, drawn);
          candidates.add(new Candidate(SCALE * dot(q, stale(X)) + bias.applyAsDouble(X), X));
        }
        lossSum += accumulate(i, q, candidates, lossConfig);
      }
      this.loss = lossSum / 3;
    }

    private double accumulate(int i, double[] q, List<Candidate> candidates, LossConfig config) {
      double max = Double.NEGATIVE_INFINITY;
      for (Candidate c : candidates) {
        max = Math.max(max, c.value);
      }
      double sum = 0;
      for (Candidate c : candidates) {
        sum += Math.exp(c.value - max);
      }
      double pPos = Math.exp(candidates.get(0).value - max) / sum;
      double rowLoss;
      double g;
      if (config.kind() == LossConfig.Kind.PHUBER && pPos <= 1 / config.phuberTau()) {
        rowLoss = -config.phuberTau() * pPos + Math.log(config.phuberTau()) + 1;
        g = config.phuberTau() * pPos;
      } else {
        rowLoss = -Math.log(pPos);
        g = 1;
      }
      for (int k = 0; k < candidates.size(); k++) {
        Candidate c = candidates.get(k);
        double w = g * (Math.exp(c.value - max) / sum - (k == 0 ? 1 : 0)) / 3;
        double[] docGrad = documentGradient.computeIfAbsent(c.doc, d -> new double[ToyWorld.DIM]);
        for (int d = 0; d < ToyWorld.DIM; d++) {
          queryGradient[i * ToyWorld.DIM + d] += w * SCALE * fresh(c.doc)[d];
          docGrad[d] += w * SCALE * q[d];
        }
      }
      return rowLoss;
    }
  }

  /** One candidate: its logit, and the document whose fresh vector carries its gradient. */
  private record Candidate(double value, int doc) {
    static Candidate fresh(double[] q, int doc, double offset) {
      return new Candidate(SCALE * dot(q, ToyWorld.fresh(doc)) + offset, doc);
    }
  }
}
