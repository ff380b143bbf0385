package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.encoder.TransformerSpec;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code dualstream experiment sparsity} runs.
 *
 * @param dataset a BEIR directory
 * @param examples training examples from the click log, the same stream for every run
 * @param seed seed of the click log, the models and every random choice
 * @param batchSize pairs per step
 * @param evalQueries test queries each evaluation scores (the first N; 0: all)
 * @param points evaluations along each run, besides the one before the first step
 * @param widths feed-forward widths of the width sweep (at the first depth)
 * @param depths depths of the depth sweep (at every width)
 * @param topK Top-k values compared with the plain model, at the middle width and first depth
 * @param epochs passes of the repeated-examples variant over its share of the stream
 * @param labelNoise share of pairs whose clicked document is replaced by another example's
 * @param tokenDropout share of a test query's words dropped for the robustness score
 * @param buckets hash buckets of every model's table
 * @param heldOut clicks after the training stream on which the in-batch softmax's calibration is measured
 */
public record SparsityExperimentOptions(Path dataset, int examples, long seed, int batchSize, int evalQueries,
    int points, List<Integer> widths, List<Integer> depths, List<Integer> topK, int epochs, double labelNoise,
    double tokenDropout, int buckets, int heldOut) {

  /** Model width, heads and hashed ids of every run. */
  static final int MODEL_WIDTH = 64;
  static final int HEADS = 4;
  static final int QUERY_IDS = 16;
  static final int DOC_IDS = 48;
  /** Table rows of every run: a quarter of the default model's, ample for the experiment's streams. */
  static final int BUCKETS = 1 << 18;

  public SparsityExperimentOptions {
    Objects.requireNonNull(dataset, "dataset");
    positive("examples", examples);
    positive("batch size", batchSize);
    positive("points", points);
    positive("epochs", epochs);
    positive("buckets", buckets);
    if (heldOut < batchSize) {
      throw new IllegalArgumentException(heldOut + " held-out clicks make no batch of " + batchSize);
    }
    if (evalQueries < 0) {
      throw new IllegalArgumentException("eval queries must be 0 (all) or more, got " + evalQueries);
    }
    widths = List.copyOf(widths);
    depths = List.copyOf(depths);
    topK = List.copyOf(topK);
    if (widths.isEmpty() || depths.isEmpty()) {
      throw new IllegalArgumentException("need at least one width and one depth");
    }
    widths.forEach(w -> positive("a width", w));
    depths.forEach(d -> positive("a depth", d));
    int middle = middleWidth(widths);
    for (int k : topK) {
      if (k < 1 || k >= middle) {
        throw new IllegalArgumentException("top-k " + k + " must be between 1 and the middle width " + middle
            + " (exclusive)");
      }
    }
    if (examples / epochs < batchSize) {
      throw new IllegalArgumentException(examples + " examples over " + epochs
          + " epochs leave less than one batch for the repeated-examples variant");
    }
    if (!(labelNoise >= 0 && labelNoise < 1) || !(tokenDropout >= 0 && tokenDropout < 1)) {
      throw new IllegalArgumentException("label noise and token dropout are shares in [0, 1), got " + labelNoise
          + " and " + tokenDropout);
    }
  }

  /** The full run: three widths by two depths, the two variants and three values of k; under an hour on two cores. */
  public static SparsityExperimentOptions defaults(Path dataset) {
    return new SparsityExperimentOptions(dataset, 25_600, 42, 64, 500, 5, List.of(256, 512, 1024), List.of(2, 4),
        List.of(16, 64), 8, 0.3, 0.25, BUCKETS, 1024);
  }

  /** A look in a few minutes: the same design, smaller everywhere. */
  public static SparsityExperimentOptions quick(Path dataset) {
    return new SparsityExperimentOptions(dataset, 2_560, 42, 64, 200, 2, List.of(64, 128, 256), List.of(1, 2),
        List.of(16), 4, 0.3, 0.25, BUCKETS, 1024);
  }

  /** The width of the variants and the Top-k comparison. */
  int middleWidth() {
    return middleWidth(widths);
  }

  /** The model of one run: a Transformer of this feed-forward width, depth and k (0: all kept). */
  ModelConfig model(int width, int depth, int k) {
    return ModelConfig.defaults().toBuilder().modelName("sparsity").buckets(buckets)
        .dims(MODEL_WIDTH, width, MODEL_WIDTH).maxIds(QUERY_IDS, DOC_IDS).batchSize(batchSize).threads(2)
        .transformer(new TransformerSpec(depth, HEADS, k)).build();
  }

  private static int middleWidth(List<Integer> widths) {
    return widths.get(widths.size() / 2);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }
}
