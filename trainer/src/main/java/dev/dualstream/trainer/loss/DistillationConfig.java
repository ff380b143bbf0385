package dev.dualstream.trainer.loss;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * How a student learns from its teacher's scores over each query's candidates, and how much it
 * still learns from clicks. Immutable; {@link #defaults()} is softmax distillation at temperature 4
 * mixed half and half with the click loss.
 *
 * @param kind the distillation loss (see {@link Distillation})
 * @param temperature T &gt; 0: scores are divided by it before a softmax or a Plackett-Luce draw;
 *     used by {@link Kind#KL} and {@link Kind#RANK_DISTIL}
 * @param topK the positions whose teacher order {@link Kind#RANK_DISTIL} matches; 0: the whole list
 * @param samples M, the teacher orders {@link Kind#RANK_DISTIL} draws per query, at least 1
 * @param clickWeight the click loss's share of the student's objective, in [0, 1]: the objective is
 *     {@code clickWeight x click + (1 - clickWeight) x distillation}; 1 is clicks alone
 */
public record DistillationConfig(Kind kind, double temperature, int topK, int samples, double clickWeight)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The distillation losses, each over a query's candidates with the positive in column 0. */
  public enum Kind {
    /** Softmax distillation: {@code T^2 KL(softmax(t/T) || softmax(s/T))} (Hinton et al.; paper 4). */
    KL,
    /** Margin-MSE against the teacher's hardest negative (Hofstaetter et al. 2020; paper 3). */
    MARGIN_MSE,
    /** The multi-margin form as a sum of Margin-MSE over every negative (paper 3, first form). */
    MULTI_MARGIN_SUM,
    /** The multi-margin form against the smooth maximum (log-sum-exp) of the negatives (paper 3, second form). */
    MULTI_MARGIN_LSE,
    /** Coupled-RankDistil: top-k Plackett-Luce likelihood of teacher-sampled orders (paper 7). */
    RANK_DISTIL
  }

  /** One line per option, for help texts. */
  public static final Map<String, String> DESCRIPTIONS = Map.of(
      "kind", "KL, MARGIN_MSE, MULTI_MARGIN_SUM, MULTI_MARGIN_LSE or RANK_DISTIL",
      "temperature", "T > 0: KL and RANK_DISTIL divide the scores by it",
      "topK", "positions whose teacher order RANK_DISTIL matches; 0: the whole list",
      "samples", "teacher orders RANK_DISTIL draws per query",
      "clickWeight", "the click loss's share of the student's objective, 0 to 1; 1: clicks alone");

  public DistillationConfig {
    Objects.requireNonNull(kind, "kind");
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be 0 (the whole list) or positive, got " + topK);
    }
    if (samples < 1) {
      throw new IllegalArgumentException("samples must be at least 1, got " + samples);
    }
    if (!(clickWeight >= 0 && clickWeight <= 1)) {
      throw new IllegalArgumentException("clickWeight must be in [0, 1], got " + clickWeight);
    }
  }

  /**
   * KL at temperature 4 with clicks weighing half, RankDistil's TF-Ranking defaults (whole list, 8 orders). The
   * temperature and click weight are the best of {@code experiment distill} on debian-pkgdesc (T in {1, 4, 8},
   * click weight in {0.25, 0.5, 0.75}, chosen on the dev split): a teacher's scores at T = 1 are too peaked
   * to pass on much, and clicks still add what the teacher gets wrong.
   */
  public static DistillationConfig defaults() {
    return new DistillationConfig(Kind.KL, 4.0, 0, 8, 0.5);
  }

  /** This configuration with another loss. */
  public DistillationConfig withKind(Kind newKind) {
    return new DistillationConfig(newKind, temperature, topK, samples, clickWeight);
  }

  /** This configuration at temperature {@code t}. */
  public DistillationConfig withTemperature(double t) {
    return new DistillationConfig(kind, t, topK, samples, clickWeight);
  }

  /** This configuration matching the teacher's top {@code k} (0: all) from {@code m} sampled orders. */
  public DistillationConfig withRankDistil(int k, int m) {
    return new DistillationConfig(kind, temperature, k, m, clickWeight);
  }

  /** This configuration with the click loss weighing {@code weight}. */
  public DistillationConfig withClickWeight(double weight) {
    return new DistillationConfig(kind, temperature, topK, samples, weight);
  }
}
