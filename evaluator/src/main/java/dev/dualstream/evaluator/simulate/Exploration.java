package dev.dualstream.evaluator.simulate;

import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How the simulated search service chooses what to show from its ranker's candidates: the top results as
 * ranked, except on a share of searches where it explores and shows a ranking sampled from the candidates
 * by Plackett-Luce (each position in turn draws one of the documents left with probability proportional to
 * exp(score / temperature), the scores min-max normalised over the candidates first).
 *
 * <p>Every shown result carries the probability that this policy, the mixture of the two, shows that
 * document at that position given the results above it:
 * P(prefix + d) / P(prefix), with P(list) = (1 - share) [list is the ranked top] + share PL(list). Their
 * product over the first k positions is the probability of the top k as shown. Without exploration every
 * probability is 1.
 *
 * @param share searches that explore, 0 to 1
 * @param temperature Plackett-Luce temperature over normalised scores; lower stays closer to the ranking
 * @param candidates how many of the ranker's top documents an exploring search samples from
 */
public record Exploration(double share, double temperature, int candidates) {
  public static final Exploration NONE = new Exploration(0, 1, ClickModel.SHOWN);
  /** How {@code simulate} explores by default: a tenth of the searches, at temperature 0.2, from the top 20. */
  public static final Exploration LIVE = new Exploration(0.1, 0.2, 20);

  /** Exploring on this share of searches, at {@link #LIVE}'s temperature and candidates. */
  public static Exploration onShare(double share) {
    return share == 0 ? NONE : new Exploration(share, LIVE.temperature(), LIVE.candidates());
  }

  public Exploration {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("the exploring share of searches must be in [0, 1], was " + share);
    }
    if (!(temperature > 0 && temperature <= 100)) {
      throw new IllegalArgumentException("the exploration temperature must be in (0, 100], was " + temperature);
    }
    if (candidates < ClickModel.SHOWN || candidates > 1000) {
      throw new IllegalArgumentException("exploration draws from " + ClickModel.SHOWN + " to 1000 candidates, not "
          + candidates);
    }
  }

  /** A result as shown, with the policy's probability of showing it there given those above. */
  public record Shown(ScoredDocument result, double probability) {}

  /** How many candidates the ranker must supply. */
  public int depth() {
    return share > 0 ? candidates : ClickModel.SHOWN;
  }

  /**
   * The results shown for one search. Draws from {@code random} only when exploring is possible (share above
   * 0), so a run without exploration draws exactly what it drew before exploration existed.
   *
   * @param ranked the ranker's candidates, best first
   */
  public List<Shown> choose(List<ScoredDocument> ranked, SplittableRandom random) {
    int shown = Math.min(ClickModel.SHOWN, ranked.size());
    if (share == 0) {
      List<Shown> out = new ArrayList<>(shown);
      for (int i = 0; i < shown; i++) {
        out.add(new Shown(ranked.get(i), 1.0));
      }
      return out;
    }
    List<ScoredDocument> pool = ranked.subList(0, Math.min(candidates, ranked.size()));
    double[] weights = weights(pool);
    int[] order = new int[shown];
    if (random.nextDouble() < share) {
      boolean[] taken = new boolean[pool.size()];
      for (int k = 0; k < shown; k++) {
        order[k] = draw(weights, taken, random);
        taken[order[k]] = true;
      }
    } else {
      for (int k = 0; k < shown; k++) {
        order[k] = k;
      }
    }
    return withProbabilities(pool, weights, order);
  }

  /** The mixture's conditional probabilities of the shown order (indexes into {@code pool}). */
  private List<Shown> withProbabilities(List<ScoredDocument> pool, double[] weights, int[] order) {
    List<Shown> out = new ArrayList<>(order.length);
    double left = 0;
    for (double w : weights) {
      left += w;
    }
    boolean prefixIsTop = true;
    double prefixPl = 1;
    for (int k = 0; k < order.length; k++) {
      int doc = order[k];
      double pl = prefixPl * weights[doc] / left;
      boolean isTop = prefixIsTop && doc == k;
      double before = (prefixIsTop ? 1 - share : 0) + share * prefixPl;
      double after = (isTop ? 1 - share : 0) + share * pl;
      out.add(new Shown(pool.get(doc), after / before));
      left -= weights[doc];
      prefixPl = pl;
      prefixIsTop = isTop;
    }
    return out;
  }

  /** exp(normalised score / temperature), normalised to the largest 1. */
  private double[] weights(List<ScoredDocument> pool) {
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (ScoredDocument s : pool) {
      max = Math.max(max, s.score());
      min = Math.min(min, s.score());
    }
    double range = max - min;
    double[] weights = new double[pool.size()];
    for (int i = 0; i < weights.length; i++) {
      double normalised = range > 0 ? (pool.get(i).score() - min) / range : 1;
      weights[i] = Math.exp((normalised - 1) / temperature);
    }
    return weights;
  }

  private static int draw(double[] weights, boolean[] taken, SplittableRandom random) {
    double total = 0;
    int last = -1;
    for (int i = 0; i < weights.length; i++) {
      if (!taken[i]) {
        total += weights[i];
        last = i;
      }
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      if (!taken[i]) {
        u -= weights[i];
        if (u < 0) {
          return i;
        }
      }
    }
    return last;
  }
}
