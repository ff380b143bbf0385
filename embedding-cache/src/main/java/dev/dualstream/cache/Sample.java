package dev.dualstream.cache;

import java.util.Arrays;

/**
 * The negatives drawn for one batch of queries by {@link NegativeCache#sample}: one draw per query, in query order.
 * Immutable; every array handed out is a copy.
 *
 * <p>For query {@code i}, with stale scores {@code s_j = scale * <q_i, e_j>} over the candidate set {@code C_i}
 * (every written entry except the query's excluded ones, its positive among them, or in top-k mode the grouped
 * maxima among those):
 * <ul>
 *   <li>{@link #logPartition(int)} is {@code L_i = log sum_{j in C_i} exp(s_j)}, -infinity when {@code C_i} is
 *       empty;
 *   <li>the draw {@code j*} has probability {@code exp(s_j* - L_i)} ({@link #logProbability(int)}), which is what
 *       a logQ correction subtracts;
 *   <li>{@link #positiveProbability(int, double)} gives the paper's stop-gradient weight
 *       {@code p_pos = softmax([s_pos, s_j for j in C_i])[0]}, so the training loss is
 *       {@code (1 - p_pos) * (s_neg - s_pos)} with {@code s_neg} the re-encoded negative's fresh score.
 * </ul>
 * A query with no candidate (empty cache, or only excluded documents cached) has no negative:
 * {@link #hasNegative(int)} is false, its partition is -infinity and {@code p_pos} is 1, so its loss weight is 0.
 */
public final class Sample {
  private final int[] slots;
  private final long[] docKeys;
  private final float[] scores;
  private final double[] logPartitions;
  private final int[] candidates;
  private final long[] modelVersions;
  private final int[] featureOffsets;
  private final int[] features;

  /** Takes ownership of the arrays; {@code featureOffsets} has one more element than there are queries. */
  Sample(int[] slots, long[] docKeys, float[] scores, double[] logPartitions, int[] candidates,
      long[] modelVersions, int[] featureOffsets, int[] features) {
    this.slots = slots;
    this.docKeys = docKeys;
    this.scores = scores;
    this.logPartitions = logPartitions;
    this.candidates = candidates;
    this.modelVersions = modelVersions;
    this.featureOffsets = featureOffsets;
    this.features = features;
  }

  /** The number of queries (the batch size). */
  public int size() {
    return slots.length;
  }

  /** Whether query {@code i} got a negative. */
  public boolean hasNegative(int i) {
    return slots[i] >= 0;
  }

  /** The cache slot of the negative. Valid until the cache is next written; prefer {@link #docKey(int)}. */
  public int slot(int i) {
    return slots[requireNegative(i)];
  }

  /** The negative's document key, to pass back to {@link NegativeCache#refresh}. */
  public long docKey(int i) {
    return docKeys[requireNegative(i)];
  }

  /** The negative's cached feature ids, to re-encode it with the current document tower. */
  public int[] features(int i) {
    requireNegative(i);
    return Arrays.copyOfRange(features, featureOffsets[i], featureOffsets[i + 1]);
  }

  /** The model version that computed the negative's cached embedding. */
  public long modelVersion(int i) {
    return modelVersions[requireNegative(i)];
  }

  /** The negative's stale score {@code scale * <q_i, e_j*>} from its cached embedding. */
  public float staleScore(int i) {
    return scores[requireNegative(i)];
  }

  /** Log-probability of this draw among the query's candidates: {@code staleScore(i) - logPartition(i)}. */
  public double logProbability(int i) {
    return scores[requireNegative(i)] - logPartitions[i];
  }

  /** {@code exp(logProbability(i))}. */
  public double probability(int i) {
    return Math.exp(logProbability(i));
  }

  /** {@code log sum exp} of the stale scores of query {@code i}'s candidates; -infinity if there were none. */
  public double logPartition(int i) {
    return logPartitions[i];
  }

  /** How many entries query {@code i} drew from: all written entries but its excluded ones, or at most topK. */
  public int candidates(int i) {
    return candidates[i];
  }

  /**
   * The probability of the positive among the positive and the candidates,
   * {@code exp(s_pos) / (exp(s_pos) + exp(logPartition(i)))}, computed without overflow.
   *
   * @param positiveScore the positive's score on the same scale as the cache ({@code scale * <q, d+>})
   */
  public double positiveProbability(int i, double positiveScore) {
    double gap = logPartitions[i] - positiveScore;
    if (gap == Double.NEGATIVE_INFINITY) {
      return 1.0;
    }
    if (gap > 0) {
      double e = Math.exp(-gap);
      return e / (1.0 + e);
    }
    return 1.0 / (1.0 + Math.exp(gap));
  }

  private int requireNegative(int i) {
    if (slots[i] < 0) {
      throw new IllegalStateException("query " + i + " has no negative: it had no candidate in the cache"
          + " (check hasNegative first)");
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sample s
        && Arrays.equals(slots, s.slots)
        && Arrays.equals(docKeys, s.docKeys)
        && Arrays.equals(scores, s.scores)
        && Arrays.equals(logPartitions, s.logPartitions)
        && Arrays.equals(candidates, s.candidates)
        && Arrays.equals(modelVersions, s.modelVersions)
        && Arrays.equals(featureOffsets, s.featureOffsets)
        && Arrays.equals(features, s.features);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(slots) + Arrays.hashCode(logPartitions);
  }

  @Override
  public String toString() {
    return "Sample{queries=" + slots.length + ", slots=" + Arrays.toString(slots)
        + ", docKeys=" + Arrays.toString(docKeys) + "}";
  }
}
