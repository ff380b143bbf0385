package dev.dualstream.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.encoder.RowBatch;
import dev.dualstream.trainer.encoder.TowerInput;
import dev.dualstream.trainer.negatives.Batch;
import dev.dualstream.trainer.negatives.DocKeys;
import dev.dualstream.trainer.negatives.NegativeObjective;
import dev.dualstream.trainer.negatives.Plan;
import dev.dualstream.trainer.optim.DenseAdam;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A training step with the general objective ({@link NegativeObjective}): the same forward,
 * backward and optimizer path as the in-batch step, with the negatives drawn first and encoded in
 * the same pass as the batch's queries and positives.
 *
 * <p>Drawing from the cache or the corpus needs the queries' current embeddings before the pass
 * with gradients is built, so the queries are embedded once more without gradients (the same
 * weights give the same values); that costs one small forward pass and keeps the step to a single
 * leaf, so every touched table row gets exactly one optimizer update.
 */
final class ObjectiveStep {
  private final ModelConfig config;
  private final DualEncoderNetwork network;
  private final NegativeObjective objective;
  private final TableOptimizer tableOptimizer;
  private final DenseAdam denseAdam;
  private Candidates candidates;

  ObjectiveStep(ModelConfig config, DualEncoderNetwork network, NegativeObjective objective,
      TableOptimizer tableOptimizer, DenseAdam denseAdam) {
    this.config = config;
    this.network = network;
    this.objective = objective;
    this.tableOptimizer = tableOptimizer;
    this.denseAdam = denseAdam;
  }

  /** Runs step number {@code step} on a non-empty batch. */
  StepResult run(List<TrainingPair> pairs, long step, Object collectorLock) {
    int size = pairs.size();
    long start = System.nanoTime();
    Batch batch = new Batch();
    List<int[]> sequences = new ArrayList<>(4 * size);
    for (TrainingPair pair : pairs) {
      int[] query = checked(pair.queryView());
      sequences.add(query);
      pair.skipAboveView().forEach(this::checked);
      batch.add(DocKeys.ofQuery(query), pair.effectiveDocKey(), checked(pair.docView()), pair.skipAboveKeys(),
          pair.skipAboveView(), pair.exposure());
    }
    float[] queryEmbeddings = objective.needsQueryEmbeddings()
        ? flatten(network.embed(sequences, size), network.dimension()) : null;
    Plan plan = objective.plan(batch, queryEmbeddings);
    sequences.addAll(plan.documents());
    try (NDManager scope = network.newStepManager()) {
      RowBatch rows = RowBatch.of(sequences);
      TowerInput input = network.input(scope, rows, 0, sequences.size());
      input.leaf().setRequiresGradient(true);
      NegativeObjective.Loss loss;
      float[] documents;
      long forwardDone;
      long backwardDone;
      synchronized (collectorLock) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray embedded = network.encode(input, true);
          NDArray queries = embedded.get(new NDIndex("0:{}", size));
          NDArray encoded = embedded.get(new NDIndex("{}:", size));
          loss = objective.loss(plan, queries, encoded);
          documents = encoded.toFloatArray();
          forwardDone = System.nanoTime();
          collector.backward(loss.surrogate());
          backwardDone = System.nanoTime();
        }
      }
      candidates = candidates(sequences.subList(0, size), plan, loss.scores(), step);
      applyGradients(network, input, scope, tableOptimizer, denseAdam);
      objective.update(plan, documents, step);
      return new StepResult(step, size, (float) loss.value(), (float) loss.accuracy(), rows.size(),
          forwardDone - start, backwardDone - forwardDone, System.nanoTime() - backwardDone,
          objective.cacheSize(), objective.cacheStaleness());
    }
  }

  /** The candidates of the last step run, for students to learn from; null before the first. */
  Candidates lastCandidates() {
    return candidates;
  }

  private Candidates candidates(List<int[]> queries, Plan plan, float[] scores, long step) {
    int[] cells = plan.cells();
    int columns = plan.columns();
    int n = plan.documents().size();
    double[] teacherScores = new double[cells.length];
    for (int cell = 0; cell < cells.length; cell++) {
      int doc = cells[cell];
      teacherScores[cell] = doc < 0 ? Double.NEGATIVE_INFINITY : scores[(cell / columns) * n + doc];
    }
    return new Candidates(queries, plan.documents(), columns, cells, teacherScores, step, config.buckets());
  }

  private static float[] flatten(float[][] rows, int dim) {
    float[] flat = new float[rows.length * dim];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * dim, dim);
    }
    return flat;
  }

  private int[] checked(int[] ids) {
    int buckets = config.buckets();
    for (int id : ids) {
      if (id < 0 || id > buckets) {
        throw new IllegalArgumentException("feature id " + id + " is outside 0.." + buckets
            + "; was the pair featurized with this model's feature spec?");
      }
    }
    return ids;
  }

  /**
   * Applies a step's gradients: the tower input's gradient is spread over the table rows the batch
   * touched, each updated once by the table's lazy optimizer (rows in parallel over the compute
   * threads), then the dense tower takes its in-place Adam step.
   */
  static void applyGradients(DualEncoderNetwork network, TowerInput input, NDManager scope,
      TableOptimizer tableOptimizer, DenseAdam denseAdam) {
    NDArray gradient = input.leaf().getGradient();
    gradient.attach(scope);
    float[] weights = network.table().weights();
    network.backward(input, gradient.toFloatArray(),
        (row, grads, offset) -> tableOptimizer.updateRow(weights, row, grads, offset));
    denseAdam.step(scope);
  }
}
