package dev.dualstream.trainer.distill;

import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.Serializable;
import java.util.Objects;

/**
 * One student: its model (named by {@link ModelConfig#modelName()}, usually smaller than the
 * teacher) and how it learns from the teacher.
 */
public record StudentSpec(ModelConfig config, DistillationConfig distillation) implements Serializable {
  private static final long serialVersionUID = 1L;

  public StudentSpec {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(distillation, "distillation");
  }

  public String name() {
    return config.modelName();
  }

  /**
   * Checks that this student can learn from {@code teacher}: its features are the teacher's hashed into a
   * number of buckets that divides the teacher's, so that the teacher's ids fold into its own.
   *
   * @throws IllegalArgumentException saying what does not fit
   */
  void checkAgainst(ModelConfig teacher) {
    if (name().equals(teacher.modelName())) {
      throw new IllegalArgumentException("student " + name() + " has its teacher's name");
    }
    if (teacher.buckets() % config.buckets() != 0) {
      throw new IllegalArgumentException("student " + name() + " has " + config.buckets() + " buckets, which do not"
          + " divide its teacher's " + teacher.buckets());
    }
    FeatureSpec mine = config.featureSpec();
    FeatureSpec theirs = teacher.featureSpec();
    if (!mine.kinds().equals(theirs.kinds()) || !mine.hash().equals(theirs.hash()) || mine.seed() != theirs.seed()) {
      throw new IllegalArgumentException("student " + name() + " hashes other features than its teacher");
    }
  }
}
