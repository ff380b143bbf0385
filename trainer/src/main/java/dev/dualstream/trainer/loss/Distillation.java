package dev.dualstream.trainer.loss;

/**
 * Distillation losses over each query's candidates: the student's logits {@code s} against the
 * teacher's scores {@code t} of the same documents, column 0 being the clicked document.
 *
 * <p>Like {@link CandidateSoftmax}, the result carries the mean loss's gradient with respect to each
 * student logit, so a trainer backpropagates it as the surrogate {@code sum_ik w_ik s_ik}. {@code
 * -infinity} marks an absent candidate and must be absent for both models. Per row:
 *
 * <ul>
 *   <li>{@link DistillationConfig.Kind#KL}: {@code T^2 sum_k p_k (log p_k - log q_k)} with {@code p =
 *       softmax(t/T)}, {@code q = softmax(s/T)}; gradient {@code T (q_k - p_k)}. The {@code T^2}
 *       keeps the gradient's size independent of T (Hinton et al. 2015), so the mix with clicks
 *       means the same at every temperature.
 *   <li>{@link DistillationConfig.Kind#MARGIN_MSE}: {@code ((s_0 - s_j) - (t_0 - t_j))^2} for the
 *       negative j the teacher scores highest: Hofstaetter et al. train on (query, positive,
 *       negative) triples with hard negatives, and the teacher's hardest is the most informative.
 *   <li>{@link DistillationConfig.Kind#MULTI_MARGIN_SUM}: that square summed over every negative.
 *   <li>{@link DistillationConfig.Kind#MULTI_MARGIN_LSE}: {@code ((s_0 - LSE_j s_j) - (t_0 - LSE_j
 *       t_j))^2} over the negatives j: the margin against a smooth maximum, which weighs each
 *       negative by its softmax share. {@code PAPERS.md} leaves open which of the two forms paper 3
 *       means, so both are here, to be chosen on the dev split.
 *   <li>{@link DistillationConfig.Kind#RANK_DISTIL}: Coupled-RankDistil as TF-Ranking implements it
 *       (Reddi et al., AISTATS 2021): for M orders {@code pi} drawn from Plackett-Luce on {@code t/T},
 *       the mean of {@code -sum_{i<k} (s'_pi(i) - LSE_{j>=i} s'_pi(j))} with {@code s' = s/T}.
 *       Candidates below the teacher's top k appear only in the denominators: pushed below the top,
 *       their own order not matched. TF-Ranking divides only the student's logits by T; here the
 *       teacher's draws are softened alike, so that T means what it means for KL. At T = 1 the two
 *       agree. TF-Ranking's zero weight for a query whose labels sum to 0 is for graded labels, not
 *       for teacher scores, and is left out.
 * </ul>
 */
public final class Distillation {
  private static final double ABSENT = Double.NEGATIVE_INFINITY;

  private Distillation() {}

  /**
   * @param loss the mean distillation loss over the rows
   * @param weights row-major, one per logit: the mean loss's gradient with respect to the student's logit
   */
  public record Result(double loss, float[] weights) {}

  /**
   * @param student the student's logits, row-major {@code rows x columns}; column 0 (the positive) finite
   * @param teacher the teacher's scores of the same candidates, absent where the student's are
   * @param orders where {@link DistillationConfig.Kind#RANK_DISTIL} draws teacher orders; unused otherwise
   * @throws IllegalArgumentException on mismatched lengths or absences, or a positive that is absent
   */
  public static Result compute(
      double[] student, double[] teacher, int rows, int columns, DistillationConfig config, TeacherOrders orders) {
    check(student, teacher, rows, columns);
    double[] gradient = new double[student.length];
    double lossSum = 0;
    for (int i = 0; i < rows; i++) {
      int base = i * columns;
      lossSum += switch (config.kind()) {
        case KL -> kl(student, teacher, base, columns, config.temperature(), gradient);
        case MARGIN_MSE -> hardestMargin(student, teacher, base, columns, gradient);
        case MULTI_MARGIN_SUM -> marginSum(student, teacher, base, columns, gradient);
        case MULTI_MARGIN_LSE -> smoothMaxMargin(student, teacher, base, columns, gradient);
        case RANK_DISTIL -> rankDistil(student, teacher, base, columns, config, orders, gradient);
      };
    }
    float[] weights = new float[gradient.length];
    for (int k = 0; k < gradient.length; k++) {
      weights[k] = (float) (gradient[k] / rows);
    }
    return new Result(lossSum / rows, weights);
  }

  private static double kl(double[] s, double[] t, int base, int columns, double temperature, double[] gradient) {
    double studentPartition = logSumExp(s, base, columns, temperature);
    double teacherPartition = logSumExp(t, base, columns, temperature);
    double loss = 0;
    for (int k = base; k < base + columns; k++) {
      if (t[k] == ABSENT) {
        continue;
      }
      double logP = t[k] / temperature - teacherPartition;
      double logQ = s[k] / temperature - studentPartition;
      double p = Math.exp(logP);
      loss += p * (logP - logQ);
      gradient[k] = temperature * (Math.exp(logQ) - p);
    }
    return temperature * temperature * loss;
  }

  private static double hardestMargin(double[] s, double[] t, int base, int columns, double[] gradient) {
    int hardest = -1;
    for (int k = base + 1; k < base + columns; k++) {
      if (t[k] != ABSENT && (hardest < 0 || t[k] > t[hardest])) {
        hardest = k;
      }
    }
    if (hardest < 0) {
      return 0;
    }
    double d = (s[base] - s[hardest]) - (t[base] - t[hardest]);
    gradient[base] = 2 * d;
    gradient[hardest] = -2 * d;
    return d * d;
  }

  private static double marginSum(double[] s, double[] t, int base, int columns, double[] gradient) {
    double loss = 0;
    for (int k = base + 1; k < base + columns; k++) {
      if (t[k] == ABSENT) {
        continue;
      }
      double d = (s[base] - s[k]) - (t[base] - t[k]);
      loss += d * d;
      gradient[base] += 2 * d;
      gradient[k] = -2 * d;
    }
    return loss;
  }

  private static double smoothMaxMargin(double[] s, double[] t, int base, int columns, double[] gradient) {
    double studentMax = logSumExp(s, base + 1, columns - 1, 1);
    if (studentMax == ABSENT) {
      return 0;
    }
    double d = (s[base] - studentMax) - (t[base] - logSumExp(t, base + 1, columns - 1, 1));
    gradient[base] = 2 * d;
    for (int k = base + 1; k < base + columns; k++) {
      if (s[k] != ABSENT) {
        gradient[k] = -2 * d * Math.exp(s[k] - studentMax);
      }
    }
    return d * d;
  }

  private static double rankDistil(
      double[] s, double[] t, int base, int columns, DistillationConfig config, TeacherOrders orders, double[] gradient) {
    double temperature = config.temperature();
    double[] softened = new double[columns];
    for (int k = 0; k < columns; k++) {
      softened[k] = t[base + k] == ABSENT ? ABSENT : t[base + k] / temperature;
    }
    int samples = config.samples();
    double loss = 0;
    for (int m = 0; m < samples; m++) {
      int[] order = orders.draw(softened, 0, columns);
      int n = order.length;
      int k = config.topK() == 0 ? n : Math.min(config.topK(), n);
      // suffix[i] = LSE of s' over order[i..n-1], from a running maximum for stability.
      double[] logits = new double[n];
      double max = ABSENT;
      for (int i = 0; i < n; i++) {
        logits[i] = s[base + order[i]] / temperature;
        max = Math.max(max, logits[i]);
      }
      double[] suffix = new double[n];
      double sum = 0;
      for (int i = n - 1; i >= 0; i--) {
        sum += Math.exp(logits[i] - max);
        suffix[i] = max + Math.log(sum);
      }
      // d NLL / d s'_pi(r) = sum_{i <= min(r, k-1)} softmax_{j>=i}(r) - [r < k].
      // Kept as a logarithm, log sum_{i<=r} exp(-suffix[i]), so that large logits cannot overflow.
      double logInverseShares = ABSENT;
      for (int r = 0; r < n; r++) {
        if (r < k) {
          loss -= logits[r] - suffix[r];
          double a = Math.max(logInverseShares, -suffix[r]);
          logInverseShares = a + Math.log(Math.exp(logInverseShares - a) + Math.exp(-suffix[r] - a));
        }
        double g = Math.exp(logits[r] + logInverseShares) - (r < k ? 1 : 0);
        gradient[base + order[r]] += g / (temperature * samples);
      }
    }
    return loss / samples;
  }

  /** LSE of {@code x[from..from+length-1] / temperature} over the present entries; -infinity if none. */
  private static double logSumExp(double[] x, int from, int length, double temperature) {
    double max = ABSENT;
    for (int k = from; k < from + length; k++) {
      max = Math.max(max, x[k] / temperature);
    }
    if (max == ABSENT) {
      return ABSENT;
    }
    double sum = 0;
    for (int k = from; k < from + length; k++) {
      if (x[k] != ABSENT) {
        sum += Math.exp(x[k] / temperature - max);
      }
    }
    return max + Math.log(sum);
  }

  private static void check(double[] student, double[] teacher, int rows, int columns) {
    if (rows < 1 || columns < 1 || student.length != rows * columns || teacher.length != student.length) {
      throw new IllegalArgumentException("need " + rows + " x " + columns + " student logits and teacher scores, got "
          + student.length + " and " + teacher.length);
    }
    for (int k = 0; k < student.length; k++) {
      boolean absent = student[k] == ABSENT;
      if (absent != (teacher[k] == ABSENT) || Double.isNaN(student[k]) || Double.isNaN(teacher[k])
          || student[k] == Double.POSITIVE_INFINITY || teacher[k] == Double.POSITIVE_INFINITY) {
        throw new IllegalArgumentException("candidate " + k % columns + " of row " + k / columns
            + ": student " + student[k] + ", teacher " + teacher[k] + "; both finite, or both absent");
      }
      if (absent && k % columns == 0) {
        throw new IllegalArgumentException("the positive of row " + k / columns + " is absent");
      }
    }
  }
}
