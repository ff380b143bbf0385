package dev.dualstream.trainer.loss;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Where Coupled-RankDistil takes its teacher orders from: one ranking of a query's candidates per
 * call, drawn from the Plackett-Luce model on the teacher's scores. Injected so that a test can fix
 * the orders (the TF-Ranking reference value depends on the orders its sampler happened to draw) and
 * so that training draws them from a seed of its own.
 */
@FunctionalInterface
public interface TeacherOrders {
  /**
   * @param scores the teacher's scores of one query's candidates, already divided by the temperature;
   *     {@code scores[offset..offset+columns-1]}, {@code -infinity} for an absent candidate
   * @return the columns of the present candidates (0-based within the row), best first
   */
  int[] draw(double[] scores, int offset, int columns);

  /**
   * Plackett-Luce draws by the Gumbel trick: adding independent Gumbel noise to the scores and
   * sorting gives an order with probability {@code prod_i exp(t_pi(i)) / sum_{j>=i} exp(t_pi(j))}.
   * Ties have probability zero. The same random source gives the same orders.
   */
  static TeacherOrders plackettLuce(SplittableRandom random) {
    return (scores, offset, columns) -> {
      double[] perturbed = new double[columns];
      Integer[] present = new Integer[columns];
      int n = 0;
      for (int k = 0; k < columns; k++) {
        double score = scores[offset + k];
        if (score != Double.NEGATIVE_INFINITY) {
          // A uniform draw strictly inside (0, 1), so that both logs stay finite.
          double u = ((random.nextLong() >>> 11) + 0.5) * 0x1p-53;
          perturbed[k] = score - Math.log(-Math.log(u));
          present[n++] = k;
        }
      }
      Integer[] sorted = Arrays.copyOf(present, n);
      Arrays.sort(sorted, (a, b) -> Double.compare(perturbed[b], perturbed[a]));
      return Arrays.stream(sorted).mapToInt(Integer::intValue).toArray();
    };
  }
}
