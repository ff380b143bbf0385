package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.evaluator.simulate.Exploration;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.trainer.model.ReplaySettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the negatives experiment runs.
 *
 * @param dataset a BEIR directory; the click log is simulated on its train split, evaluation is on
 *     its test split
 * @param examples training examples taken from the click log, the same for every setting
 * @param evalQueries evaluate on the first this many test queries; 0 means all
 * @param seed seed of the simulator and of every trainer
 * @param batchSize training pairs per step
 * @param settings names of the settings to run, in order; empty means the standard ones
 * @param ablationCacheSize the cache size of the top-k and no-writeback settings
 * @param corpusRefreshSteps steps between re-encodings of the corpus in the full-softmax setting
 * @param model the configuration every setting trains (its optimizers, learning rates, table
 *     initialisation, and the clicked-documents memory of its negatives); each setting replaces the
 *     other negative options, and the batch size is {@code batchSize}
 * @param noiseClicks the simulated users' chance of clicking an examined result that is not
 *     relevant (the simulator's default, {@value #DEFAULT_NOISE_CLICKS}, makes about one click in ten
 *     a wrong label)
 * @param queryZipf exponent of the simulated users' query popularity ({@link Traffic#queryZipf()}); 0, the
 *     default, draws every train query equally often, as the demo does
 * @param explore share of the simulated searches that explore ({@link Exploration#onShare}): their results
 *     are a Plackett-Luce sample of BM25's top candidates, and each click carries the policy's probability of
 *     showing it there; 0, the default, shows BM25's top 10 on every search
 * @param replay how every setting revisits the pairs it applied ({@link ReplaySettings#OFF} by default: one
 *     pass)
 * @param hybrid whether every setting's model is also scored fused with BM25, as the loop serves it (the
 *     fusion chosen on the dev split, as {@code evaluate} does)
 */
public record NegativesExperimentOptions(Path dataset, int examples, int evalQueries, long seed, int batchSize,
    List<String> settings, int ablationCacheSize, int corpusRefreshSteps, ModelConfig model, double noiseClicks,
    double queryZipf, double explore, ReplaySettings replay, boolean hybrid) {

  /**
   * Queries whose clicked documents every setting masks as their negatives, by default: 2^18, ten
   * times the train split's queries (about 10 MB).
   */
  public static final int DEFAULT_CLICKED_MEMORY = 1 << 18;

  /** The click simulator's default chance of a click on a result that is not relevant. */
  public static final double DEFAULT_NOISE_CLICKS = 0.02;

  /** One pass over uniformly popular queries. */
  public NegativesExperimentOptions(Path dataset, int examples, int evalQueries, long seed, int batchSize,
      List<String> settings, int ablationCacheSize, int corpusRefreshSteps, ModelConfig model, double noiseClicks) {
    this(dataset, examples, evalQueries, seed, batchSize, settings, ablationCacheSize, corpusRefreshSteps, model,
        noiseClicks, 0, 0, ReplaySettings.OFF, false);
  }

  public NegativesExperimentOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(replay, "replay").requireBatch(batchSize);
    new Traffic(queryZipf, 1, 0);
    Exploration.onShare(explore);
    settings = List.copyOf(settings);
    if (examples < batchSize) {
      throw new IllegalArgumentException("examples must be at least one batch (" + batchSize + "), got " + examples);
    }
    if (evalQueries < 0) {
      throw new IllegalArgumentException("eval queries must be 0 (all) or more, got " + evalQueries);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("batch size must be at least 2, got " + batchSize);
    }
    if (ablationCacheSize < 64 || ablationCacheSize % 64 != 0) {
      throw new IllegalArgumentException(
          "the ablation cache size must be a positive multiple of 64 (top-k 64), got " + ablationCacheSize);
    }
    if (!(noiseClicks >= 0 && noiseClicks <= 1)) {
      throw new IllegalArgumentException("noise click probability must be in [0, 1], got " + noiseClicks);
    }
    if (corpusRefreshSteps < 1) {
      throw new IllegalArgumentException("corpus refresh steps must be at least 1, got " + corpusRefreshSteps);
    }
  }

  /**
   * The full run: 96,000 examples (3,000 steps at batch 32), all test queries, seed 42, the default
   * model with the clicked documents of {@value #DEFAULT_CLICKED_MEMORY} queries masked.
   */
  public static NegativesExperimentOptions defaults(Path dataset) {
    ModelConfig model = ModelConfig.defaults().toBuilder()
        .negatives(ModelConfig.defaults().negatives().withClickedMemory(DEFAULT_CLICKED_MEMORY)).build();
    return new NegativesExperimentOptions(dataset, 96_000, 0, 42, 32, List.of(), 16_384, 500, model,
        DEFAULT_NOISE_CLICKS);
  }

  /** The model every setting starts from, at this batch size. */
  public ModelConfig baseModel() {
    return model.toBuilder().batchSize(batchSize).build();
  }
}
