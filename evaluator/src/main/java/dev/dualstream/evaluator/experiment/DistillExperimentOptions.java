package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the distillation experiment runs.
 *
 * @param dataset a BEIR directory: the click log is simulated on its train split, temperatures and
 *     click weights are chosen on its dev split, the results are on its test split
 * @param examples training examples taken from the click log, the same stream for every model
 * @param evalQueries evaluate on the first this many dev and test queries; 0 means all
 * @param streamSeed seed of the click log: one stream for every seed and setting
 * @param seeds the models' seeds (initialisation, negatives, RankDistil's draws): every setting trains once per seed
 * @param batchSize training pairs per step
 * @param queryZipf exponent of the simulated users' query popularity, as in the loop
 * @param reference the model the teacher must beat, trained alone on the same batches: the default dual encoder
 * @param teacher the teacher's model and negatives
 * @param student every student's model (one size for all; a student is named after its setting)
 * @param temperatures the temperatures tried for KL and RankDistil, chosen on the dev split
 * @param clickWeights the click weights tried for the mix of KL with clicks, chosen on the dev split
 * @param rankDistilTopK the teacher's top positions RankDistil matches
 * @param rankDistilSamples the teacher orders RankDistil draws per query
 */
public record DistillExperimentOptions(Path dataset, int examples, int evalQueries, long streamSeed, List<Long> seeds,
    int batchSize, double queryZipf, ModelConfig reference, ModelConfig teacher, ModelConfig student, List<Double> temperatures,
    List<Double> clickWeights, int rankDistilTopK, int rankDistilSamples) {

  public DistillExperimentOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(teacher, "teacher");
    Objects.requireNonNull(student, "student");
    seeds = List.copyOf(seeds);
    temperatures = List.copyOf(temperatures);
    clickWeights = List.copyOf(clickWeights);
    if (examples < batchSize) {
      throw new IllegalArgumentException("examples must be at least one batch (" + batchSize + "), got " + examples);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("batch size must be at least 2, got " + batchSize);
    }
    if (evalQueries < 0) {
      throw new IllegalArgumentException("eval queries must be 0 (all) or more, got " + evalQueries);
    }
    if (seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
      throw new IllegalArgumentException("need at least one seed, each once, got " + seeds);
    }
    if (temperatures.isEmpty() || temperatures.stream().anyMatch(t -> !(t > 0) || t.isInfinite())) {
      throw new IllegalArgumentException("temperatures must be positive and finite, got " + temperatures);
    }
    if (clickWeights.isEmpty() || clickWeights.stream().anyMatch(c -> !(c > 0 && c < 1))) {
      throw new IllegalArgumentException("click weights of the mix must lie strictly between 0 and 1, got "
          + clickWeights);
    }
    if (rankDistilTopK < 0 || rankDistilSamples < 1) {
      throw new IllegalArgumentException("RankDistil needs top-k >= 0 (0: the whole list) and at least one sample");
    }
    if (teacher.buckets() % student.buckets() != 0) {
      throw new IllegalArgumentException("the student's " + student.buckets() + " buckets must divide the teacher's "
          + teacher.buckets());
    }
  }

  /** The teacher: twice the default's dims, trained with the loop's negatives (cache and skip-above). */
  public static ModelConfig defaultTeacher() {
    ModelConfig base = ModelConfig.defaults();
    return base.toBuilder().modelName("teacher").dims(2 * base.embeddingDim(), base.hiddenDim(), base.outputDim())
        .negatives(ExperimentSetting.named(LOOP_NEGATIVES).negatives().withClickedMemory(CLICKED_MEMORY)).build();
  }

  /**
   * The students: a quarter of the teacher's buckets at its table width (2^18 x 128) and a narrower tower
   * (hidden 80, output 64), as wide as stays under a quarter of the teacher's parameters. At this size a wide
   * table beats fewer collisions: on seed 42, 2^19 x 64 and 2^17 x 256 students of the same size did worse
   * (see docs/distillation.md).
   */
  public static ModelConfig defaultStudent() {
    ModelConfig teacher = defaultTeacher();
    return ModelConfig.defaults().toBuilder().modelName("student").buckets(teacher.buckets() / 4)
        .dims(teacher.embeddingDim(), 80, 64).build();
  }

  /** The loop's negatives, the best of the negatives experiment. */
  static final String LOOP_NEGATIVES = "cache-16384-top64-oldest1024" + ExperimentSetting.SKIP_ABOVE_SUFFIX;
  static final int CLICKED_MEMORY = NegativesExperimentOptions.DEFAULT_CLICKED_MEMORY;

  /**
   * The full run: 36,000 examples of the loop's traffic (query Zipf 0.5), seeds 42, 43 and 44, all dev and test
   * queries; KL and RankDistil at temperatures 1 and 4, the mix at click weights 0.25 and 0.5.
   */
  public static DistillExperimentOptions defaults(Path dataset) {
    return new DistillExperimentOptions(dataset, 36_000, 0, 42, List.of(42L, 43L, 44L), 32, 0.5,
        ModelConfig.defaults(), defaultTeacher(), defaultStudent(), List.of(1.0, 4.0), List.of(0.25, 0.5), 10, 8);
  }

  /**
   * A few minutes: 6,400 examples, one seed, 500 dev and test queries, one temperature (4) and one click weight
   * (0.5).
   */
  public static DistillExperimentOptions quick(Path dataset) {
    return new DistillExperimentOptions(dataset, 6_400, 500, 42, List.of(42L), 32, 0.5, ModelConfig.defaults(), defaultTeacher(),
        defaultStudent(), List.of(4.0), List.of(0.5), 10, 8);
  }
}
