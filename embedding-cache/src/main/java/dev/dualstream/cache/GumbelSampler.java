package dev.dualstream.cache;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One sampling step: score every query against every written entry and draw one negative per query by Gumbel-max.
 *
 * <p><b>Exact mode.</b> The negative should be {@code argmax_j (s_j + g_j)} with i.i.d. standard Gumbel {@code g_j}
 * (Lindgren et al. 2021, Algorithm 1), which is a draw from {@code softmax(s)}. Drawing M Gumbels per query
 * costs two logarithms per entry, more than the scoring itself, so the draw is made in two levels, as the
 * paper's distributed variant does across shards: the slots are cut into groups of {@link #TILE}; the maximum of
 * {@code s_j + g_j} over a group is itself Gumbel-distributed around the group's log-sum-exp {@code L_g}, so a
 * Gumbel-max over the {@code L_g} picks the group with probability {@code exp(L_g - L)}, and a Gumbel-max inside
 * the winning group (re-scored for that query alone) picks the entry with probability {@code exp(s_j - L_g)}. The
 * product is {@code exp(s_j - L)}: exactly softmax, with one {@code exp} per entry (needed for {@code L} anyway)
 * and about {@code M / 256 + 256} Gumbels per query.
 *
 * <p><b>Top-k mode.</b> As in the reference implementation's {@code approximate_top_k_with_indices}, the capacity
 * is cut into {@code k} equal groups of consecutive slots and each group's maximum score is a candidate; the
 * Gumbel-max then runs over those (at most) k candidates, and probabilities are relative to them.
 *
 * <p>In both modes the query's excluded slots (its positive's entry, and any others the caller names) take no part:
 * their scores are set to minus infinity in the scored tile, so they weigh nothing in a partition and never win a
 * maximum. Ties go to the lower slot,
 * and Gumbels are consumed query by query in a fixed order, so a seeded generator gives reproducible draws.
 * Scratch space is allocated once and reused; queries are processed in blocks of {@link #QUERY_BLOCK} so that it
 * does not grow with the batch.
 */
final class GumbelSampler {
  /** Entries per scoring tile and per exact-mode group. */
  static final int TILE = 256;
  /** Queries scored per pass over the embeddings. */
  static final int QUERY_BLOCK = 64;

  private final int dim;
  private final int topK;
  private final int groupSize;
  private final int maxGroups;
  private final float[] tile;
  private final double[] groupLogSums;
  private final float[] candidateScores;
  private final int[] candidateSlots;

  GumbelSampler(CacheConfig config) {
    dim = config.dim();
    topK = config.topK();
    groupSize = config.exact() ? TILE : config.capacity() / topK;
    maxGroups = groups(config.capacity());
    tile = new float[QUERY_BLOCK * TILE];
    groupLogSums = new double[config.exact() ? QUERY_BLOCK * maxGroups : 0];
    candidateScores = new float[QUERY_BLOCK * topK];
    candidateSlots = new int[QUERY_BLOCK * topK];
  }

  static long allocatedBytes(CacheConfig c) {
    long groupCells = c.exact() ? (long) QUERY_BLOCK * groups(c.capacity()) : 0;
    return MemoryPlan.arrayBytes((long) QUERY_BLOCK * TILE, Float.BYTES)
        + MemoryPlan.arrayBytes(groupCells, Double.BYTES)
        + MemoryPlan.arrayBytes((long) QUERY_BLOCK * c.topK(), Float.BYTES)
        + MemoryPlan.arrayBytes((long) QUERY_BLOCK * c.topK(), Integer.BYTES);
  }

  long allocatedBytes() {
    return MemoryPlan.arrayBytes(tile.length, Float.BYTES)
        + MemoryPlan.arrayBytes(groupLogSums.length, Double.BYTES)
        + MemoryPlan.arrayBytes(candidateScores.length, Float.BYTES)
        + MemoryPlan.arrayBytes(candidateSlots.length, Integer.BYTES);
  }

  private static int groups(int slots) {
    return (slots + TILE - 1) / TILE;
  }

  /**
   * Draws one entry of {@code [0, size)} per query.
   *
   * @param queries {@code queryCount x dim} row-major, already multiplied by the score scale
   * @param excluded per query, the distinct slots of {@code [0, size)} it must not draw (possibly none)
   */
  Draws draw(float[] embeddings, int size, float[] queries, int queryCount, int[][] excluded,
      RandomGenerator random) {
    Draws draws = new Draws(queryCount);
    for (int first = 0; first < queryCount; first += QUERY_BLOCK) {
      int count = Math.min(QUERY_BLOCK, queryCount - first);
      if (topK == 0) {
        exactBlock(embeddings, size, queries, first, count, excluded, random, draws);
      } else {
        topKBlock(embeddings, size, queries, first, count, excluded, random, draws);
      }
    }
    return draws;
  }

  private void exactBlock(float[] embeddings, int size, float[] queries, int first, int count, int[][] excluded,
      RandomGenerator random, Draws draws) {
    int groups = groups(size);
    for (int g = 0; g < groups; g++) {
      int from = g * TILE;
      int length = Math.min(TILE, size - from);
      ScoreKernel.scoreTile(queries, first, count, dim, embeddings, from, length, tile, TILE);
      for (int b = 0; b < count; b++) {
        mask(excluded[first + b], from, length, b * TILE);
        groupLogSums[b * maxGroups + g] = logSumExp(tile, b * TILE, length);
      }
    }
    for (int b = 0; b < count; b++) {
      int query = first + b;
      int base = b * maxGroups;
      double total = logSumExp(groupLogSums, base, groups);
      if (total == Double.NEGATIVE_INFINITY) {
        continue;
      }
      int chosen = -1;
      double best = Double.NEGATIVE_INFINITY;
      for (int g = 0; g < groups; g++) {
        double logSum = groupLogSums[base + g];
        if (logSum != Double.NEGATIVE_INFINITY) {
          double perturbed = logSum + gumbel(random);
          if (perturbed > best) {
            best = perturbed;
            chosen = g;
          }
        }
      }
      int from = chosen * TILE;
      int length = Math.min(TILE, size - from);
      ScoreKernel.scoreTile(queries, query, 1, dim, embeddings, from, length, tile, TILE);
      mask(excluded[query], from, length, 0);
      int pick = -1;
      best = Double.NEGATIVE_INFINITY;
      for (int t = 0; t < length; t++) {
        if (tile[t] != Float.NEGATIVE_INFINITY) {
          double perturbed = tile[t] + gumbel(random);
          if (perturbed > best) {
            best = perturbed;
            pick = t;
          }
        }
      }
      int candidates = size - excluded[query].length;
      draws.set(query, from + pick, tile[pick], total, candidates);
    }
  }

  private void topKBlock(float[] embeddings, int size, float[] queries, int first, int count, int[][] excluded,
      RandomGenerator random, Draws draws) {
    Arrays.fill(candidateScores, 0, count * topK, Float.NEGATIVE_INFINITY);
    Arrays.fill(candidateSlots, 0, count * topK, -1);
    for (int from = 0; from < size; from += TILE) {
      int length = Math.min(TILE, size - from);
      ScoreKernel.scoreTile(queries, first, count, dim, embeddings, from, length, tile, TILE);
      for (int b = 0; b < count; b++) {
        mask(excluded[first + b], from, length, b * TILE);
        updateGroupMaxima(b * TILE, from, length, b * topK);
      }
    }
    for (int b = 0; b < count; b++) {
      int base = b * topK;
      int candidates = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int g = 0; g < topK; g++) {
        if (candidateSlots[base + g] >= 0) {
          candidates++;
          max = Math.max(max, candidateScores[base + g]);
        }
      }
      if (candidates == 0) {
        continue;
      }
      double sum = 0;
      int chosen = -1;
      double best = Double.NEGATIVE_INFINITY;
      for (int g = 0; g < topK; g++) {
        if (candidateSlots[base + g] >= 0) {
          float score = candidateScores[base + g];
          sum += Math.exp((double) score - max);
          double perturbed = score + gumbel(random);
          if (perturbed > best) {
            best = perturbed;
            chosen = base + g;
          }
        }
      }
      double total = max + Math.log(sum);
      draws.set(first + b, candidateSlots[chosen], candidateScores[chosen], total, candidates);
    }
  }

  /** Sets the scores of the excluded slots that fall in {@code [from, from + length)} to minus infinity. */
  private void mask(int[] excludedSlots, int from, int length, int row) {
    for (int slot : excludedSlots) {
      if (slot >= from && slot < from + length) {
        tile[row + slot - from] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /**
   * Folds one query's tile row into the running maximum of each slot group it overlaps; a masked slot (minus
   * infinity) never becomes a maximum.
   */
  private void updateGroupMaxima(int row, int from, int length, int base) {
    int end = from + length;
    int slot = from;
    while (slot < end) {
      int group = slot / groupSize;
      int groupEnd = Math.min(end, (group + 1) * groupSize);
      float best = candidateScores[base + group];
      int bestSlot = candidateSlots[base + group];
      for (; slot < groupEnd; slot++) {
        float score = tile[row + slot - from];
        if (score > best) {
          best = score;
          bestSlot = slot;
        }
      }
      candidateScores[base + group] = best;
      candidateSlots[base + group] = bestSlot;
    }
  }

  /** log sum_t exp(scores[from + t]) over {@code t < length}; -infinity when every score is. */
  static double logSumExp(float[] scores, int from, int length) {
    float max = Float.NEGATIVE_INFINITY;
    for (int t = 0; t < length; t++) {
      if (scores[from + t] > max) {
        max = scores[from + t];
      }
    }
    if (max == Float.NEGATIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    double sum = 0;
    for (int t = 0; t < length; t++) {
      sum += Math.exp((double) scores[from + t] - max);
    }
    return max + Math.log(sum);
  }

  private static double logSumExp(double[] values, int from, int length) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < from + length; i++) {
      max = Math.max(max, values[i]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = from; i < from + length; i++) {
      sum += Math.exp(values[i] - max);
    }
    return max + Math.log(sum);
  }

  /** A standard Gumbel variate, {@code -log(-log U)} with U uniform on the open interval (0, 1). */
  static double gumbel(RandomGenerator random) {
    double u = ((random.nextLong() >>> 11) + 0.5) * 0x1.0p-53;
    return -Math.log(-Math.log(u));
  }

  /** Per-query results of one draw; slot -1 where a query had no candidate. */
  static final class Draws {
    final int[] slots;
    final float[] scores;
    final double[] logPartitions;
    final int[] candidates;

    Draws(int queries) {
      slots = new int[queries];
      Arrays.fill(slots, -1);
      scores = new float[queries];
      Arrays.fill(scores, Float.NaN);
      logPartitions = new double[queries];
      Arrays.fill(logPartitions, Double.NEGATIVE_INFINITY);
      candidates = new int[queries];
    }

    void set(int query, int slot, float score, double logPartition, int candidateCount) {
      slots[query] = slot;
      scores[query] = score;
      logPartitions[query] = logPartition;
      candidates[query] = candidateCount;
    }
  }
}
