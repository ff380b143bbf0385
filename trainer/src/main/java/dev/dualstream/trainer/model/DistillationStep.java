package dev.dualstream.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.dualstream.cache.SplitMix64;
import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.encoder.RowBatch;
import dev.dualstream.trainer.encoder.TowerInput;
import dev.dualstream.trainer.loss.CandidateSoftmax;
import dev.dualstream.trainer.loss.Distillation;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.loss.Scalars;
import dev.dualstream.trainer.loss.TeacherOrders;
import dev.dualstream.trainer.optim.DenseAdam;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A student's step on its teacher's candidates: the student encodes the teacher's queries and
 * scored documents with its own towers (ids folded into its smaller feature space), scores every
 * query's candidates, and descends {@code c x click + (1 - c) x distillation}, c being the click
 * weight: the click loss is softmax cross-entropy of the clicked document among the concrete
 * candidates, the distillation loss one of {@link Distillation}'s against the teacher's scores.
 *
 * <p>Folding: a feature's id is {@code 1 + (h mod B)} for its hash h and B buckets, so when the
 * student's B divides the teacher's, {@code 1 + ((id - 1) mod B_student)} is exactly the id the
 * student's own featurizer gives; a student serves with its own featurizer and sees the same ids it
 * trained on. RankDistil's teacher orders are drawn from a generator seeded by the student's seed and
 * the step, so a restored student draws what it would have drawn without needing state of its own.
 */
final class DistillationStep {
  private static final LossConfig CLICKS = LossConfig.defaults();

  private final ModelConfig config;
  private final long seed;
  private final DualEncoderNetwork network;
  private final TableOptimizer tableOptimizer;
  private final DenseAdam denseAdam;

  DistillationStep(ModelConfig config, long seed, DualEncoderNetwork network, TableOptimizer tableOptimizer,
      DenseAdam denseAdam) {
    this.config = config;
    this.seed = seed;
    this.network = network;
    this.tableOptimizer = tableOptimizer;
    this.denseAdam = denseAdam;
  }

  /**
   * Runs step number {@code step}.
   *
   * @throws IllegalArgumentException if the student's feature space does not divide the teacher's
   */
  StepResult run(Candidates candidates, DistillationConfig distillation, long step, Object collectorLock) {
    int buckets = config.buckets();
    if (candidates.teacherBuckets() % buckets != 0) {
      throw new IllegalArgumentException("a student with " + buckets + " buckets cannot learn from a teacher with "
          + candidates.teacherBuckets() + ": the student's buckets must divide the teacher's");
    }
    int b = candidates.size();
    int n = candidates.documents().size();
    int columns = candidates.columns();
    long start = System.nanoTime();
    List<int[]> sequences = new ArrayList<>(b + n);
    candidates.queries().forEach(ids -> sequences.add(fold(ids, buckets, config.maxQueryIds())));
    candidates.documents().forEach(ids -> sequences.add(fold(ids, buckets, config.maxDocIds())));
    try (NDManager scope = network.newStepManager()) {
      RowBatch rows = RowBatch.of(sequences);
      TowerInput input = network.input(scope, rows, 0, sequences.size());
      input.leaf().setRequiresGradient(true);
      double loss;
      float accuracy;
      long forwardDone;
      long backwardDone;
      synchronized (collectorLock) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray embedded = network.encode(input, true);
          NDArray queries = embedded.get(new NDIndex("0:{}", b));
          NDArray documents = embedded.get(new NDIndex("{}:", b));
          NDArray scores = queries.matMul(documents.transpose()).mul(Scalars.of(scope, (float) config.scale()));
          float[] s = scores.toFloatArray();
          int[] cells = candidates.cells();
          double[] logits = new double[b * columns];
          long[] gather = new long[b * columns];
          for (int cell = 0; cell < cells.length; cell++) {
            int doc = cells[cell];
            int i = cell / columns;
            logits[cell] = doc < 0 ? Double.NEGATIVE_INFINITY : s[i * n + doc];
            gather[cell] = (long) i * n + Math.max(doc, 0);
          }
          Objective objective = objective(logits, candidates, distillation, step);
          loss = objective.loss;
          accuracy = accuracy(logits, b, columns);
          NDArray picked = scores.reshape(-1).get(scope.create(gather, new Shape(b, columns)));
          NDArray surrogate = picked.mul(scope.create(objective.weights, new Shape(b, columns))).sum();
          forwardDone = System.nanoTime();
          collector.backward(surrogate);
          backwardDone = System.nanoTime();
        }
      }
      ObjectiveStep.applyGradients(network, input, scope, tableOptimizer, denseAdam);
      return new StepResult(step, b, (float) loss, accuracy, rows.size(), forwardDone - start,
          backwardDone - forwardDone, System.nanoTime() - backwardDone);
    }
  }

  private record Objective(double loss, float[] weights) {}

  /** The mixed loss and its gradient per logit. */
  private Objective objective(double[] logits, Candidates candidates, DistillationConfig distillation, long step) {
    int b = candidates.size();
    int columns = candidates.columns();
    double c = distillation.clickWeight();
    float[] weights = new float[logits.length];
    double loss = 0;
    if (c > 0) {
      CandidateSoftmax.Result clicks = CandidateSoftmax.compute(logits, b, columns, CLICKS);
      loss += c * clicks.loss();
      add(weights, clicks.weights(), c);
    }
    if (c < 1) {
      TeacherOrders orders = TeacherOrders.plackettLuce(new SplittableRandom(new SplitMix64(seed ^ step).nextLong()));
      Distillation.Result taught =
          Distillation.compute(logits, candidates.teacherScores(), b, columns, distillation, orders);
      loss += (1 - c) * taught.loss();
      add(weights, taught.weights(), 1 - c);
    }
    return new Objective(loss, weights);
  }

  private static void add(float[] into, float[] weights, double share) {
    for (int k = 0; k < into.length; k++) {
      into[k] += (float) (share * weights[k]);
    }
  }

  /** Share of queries whose clicked document outscores every other candidate, in the student's scores. */
  private static float accuracy(double[] logits, int rows, int columns) {
    int correct = 0;
    for (int i = 0; i < rows; i++) {
      boolean best = true;
      for (int k = 1; k < columns && best; k++) {
        best = logits[i * columns + k] < logits[i * columns];
      }
      correct += best ? 1 : 0;
    }
    return (float) correct / rows;
  }

  /**
   * The ids in a space of {@code buckets}, first occurrences in order (a featurizer emits no id twice),
   * at most {@code max} of them. Where two of the teacher's ids fold into one, the student's own
   * featurizer would have had room for one more id further on; that rare difference is left.
   */
  static int[] fold(int[] ids, int buckets, int max) {
    int[] folded = new int[Math.min(ids.length, max)];
    int n = 0;
    for (int k = 0; k < ids.length && n < folded.length; k++) {
      int id = 1 + (ids[k] - 1) % buckets;
      boolean seen = false;
      for (int j = 0; j < n && !seen; j++) {
        seen = folded[j] == id;
      }
      if (!seen) {
        folded[n++] = id;
      }
    }
    return n == folded.length ? folded : Arrays.copyOf(folded, n);
  }
}
