package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.encoder.TransformerSpec;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code dualstream experiment stacking} runs.
 *
 * @param dataset a BEIR directory
 * @param examples training examples from the click log, the same stream for every run
 * @param seed seed of the click log, the models and every random choice
 * @param batchSize pairs per step
 * @param evalQueries test queries each Recall@10 is over (the first N; 0: all)
 * @param points points along the whole stream where each run's loss (the mean over the steps since
 *     the previous point) and Recall@10 are taken
 * @param layers depth of the small model; the grown and scratch models have twice as many
 * @param width feed-forward width of every model
 * @param smallShare share of the stream the small model trains on before it is grown
 * @param buckets hash buckets of every model's table
 * @param heldOut clicks after the training stream whose loss every point measures; at least a batch
 */
public record StackingExperimentOptions(Path dataset, int examples, long seed, int batchSize, int evalQueries,
    int points, int layers, int width, double smallShare, int buckets, int heldOut) {

  public StackingExperimentOptions {
    Objects.requireNonNull(dataset, "dataset");
    if (examples < 1 || batchSize < 1 || points < 2 || layers < 1 || width < 1 || evalQueries < 0 || buckets < 1) {
      throw new IllegalArgumentException("examples, batch size, layers and width must be positive, points at least 2"
          + " and eval queries 0 (all) or more; got " + examples + ", " + batchSize + ", " + layers + ", " + width
          + ", " + points + ", " + evalQueries);
    }
    if (heldOut < batchSize) {
      throw new IllegalArgumentException(heldOut + " held-out clicks make no batch of " + batchSize);
    }
    if (!(smallShare > 0 && smallShare < 1)) {
      throw new IllegalArgumentException("the small model's share of the stream must be strictly between 0 and 1, got "
          + smallShare);
    }
    if (examples / batchSize < 2 * points) {
      throw new IllegalArgumentException(examples + " examples make " + examples / batchSize + " steps of "
          + batchSize + ", fewer than two per point of " + points);
    }
  }

  /** The full run: 2 layers grown to 4 halfway through 64,000 examples; under half an hour on two cores. */
  public static StackingExperimentOptions defaults(Path dataset) {
    return new StackingExperimentOptions(dataset, 64_000, 42, 64, 500, 10, 2, 256, 0.5,
        SparsityExperimentOptions.BUCKETS, 1024);
  }

  /** A look in a few minutes. */
  public static StackingExperimentOptions quick(Path dataset) {
    return new StackingExperimentOptions(dataset, 12_800, 42, 64, 200, 8, 1, 128, 0.5,
        SparsityExperimentOptions.BUCKETS, 1024);
  }

  /** Steps over the whole stream. */
  int steps() {
    return examples / batchSize;
  }

  /** Steps the small model trains before it is grown: on a point, so every run is measured there. */
  int growAt() {
    int every = steps() / points;
    return Math.max(every, (int) Math.round(steps() * smallShare / every) * every);
  }

  /** A Transformer of this depth, the experiment's width and shape otherwise. */
  ModelConfig model(int depth) {
    return ModelConfig.defaults().toBuilder().modelName("stacking").buckets(buckets)
        .dims(SparsityExperimentOptions.MODEL_WIDTH, width, SparsityExperimentOptions.MODEL_WIDTH)
        .maxIds(SparsityExperimentOptions.QUERY_IDS, SparsityExperimentOptions.DOC_IDS).batchSize(batchSize).threads(2)
        .transformer(new TransformerSpec(depth, SparsityExperimentOptions.HEADS, 0)).build();
  }
}
