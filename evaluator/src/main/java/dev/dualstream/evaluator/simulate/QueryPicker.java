package dev.dualstream.evaluator.simulate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws the query of each search from a pool: uniformly, or by a Zipf law over popularity ranks that a
 * seeded shuffle assigns (so popularity does not follow the order of query ids). The uniform draw is one
 * {@code nextInt} of the caller's generator, as the simulator has always drawn.
 */
final class QueryPicker {
  private final List<String> pool;
  /** Cumulative probabilities by rank, or null when uniform. */
  private final double[] cumulative;

  QueryPicker(List<String> pool, double zipf, long seed) {
    this.pool = new ArrayList<>(pool);
    if (zipf == 0) {
      cumulative = null;
      return;
    }
    SplittableRandom shuffle = new SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int i = this.pool.size() - 1; i > 0; i--) {
      int j = shuffle.nextInt(i + 1);
      String t = this.pool.get(i);
      this.pool.set(i, this.pool.get(j));
      this.pool.set(j, t);
    }
    cumulative = new double[this.pool.size()];
    double sum = 0;
    for (int r = 0; r < cumulative.length; r++) {
      sum += 1 / Math.pow(r + 1, zipf);
      cumulative[r] = sum;
    }
    for (int r = 0; r < cumulative.length; r++) {
      cumulative[r] /= sum;
    }
  }

  String next(SplittableRandom random) {
    if (cumulative == null) {
      return pool.get(random.nextInt(pool.size()));
    }
    int i = Arrays.binarySearch(cumulative, random.nextDouble());
    return pool.get(Math.min(i >= 0 ? i : -i - 1, pool.size() - 1));
  }

  /** The query of popularity rank {@code rank} (0: the most popular). */
  String ofRank(int rank) {
    return pool.get(rank);
  }
}
