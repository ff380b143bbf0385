package dev.dualstream.cache;

/**
 * The hot loop: dot products of queries with a tile of cached embeddings.
 *
 * <p>A tile of {@link GumbelSampler#TILE} consecutive rows (128 KiB at dim 128) stays in L2 while every query of the
 * block is scored against it, so the embedding matrix streams from memory once per block of queries, not once per
 * query. Within a query, eight rows are scored at once: eight independent accumulators hide the latency of the
 * float adds, which a single running sum cannot (C2 does not vectorise float reductions, as that would reorder
 * them). Measured on the 2-core AMD EPYC development machine (B 32, M 65,536, dim 128, one product): 40 ms with
 * eight rows, 44 ms with four, 64 ms with four but without the tiling, about 6.7 G multiply-adds per second at
 * best; two queries at a time gained nothing, and transposed tiles meant for auto-vectorisation were 2-3x slower.
 * No threads: on two shared cores the trainer's own work occupies the other one.
 *
 * <p>Each score is summed in index order with one accumulator, whichever path computes it, so a score is
 * bit-identical whether it is computed in a block of eight, in the remainder loop or when one group is re-scored
 * for a single query. The sampler depends on that.
 */
final class ScoreKernel {
  private ScoreKernel() {}

  /**
   * {@code out[b * stride + t] = <queries[firstQuery + b], embeddings[firstSlot + t]>} for {@code b < queryCount},
   * {@code t < slotCount}.
   */
  static void scoreTile(float[] queries, int firstQuery, int queryCount, int dim,
      float[] embeddings, int firstSlot, int slotCount, float[] out, int stride) {
    for (int b = 0; b < queryCount; b++) {
      int q = (firstQuery + b) * dim;
      int row = b * stride;
      int t = 0;
      for (; t + 8 <= slotCount; t += 8) {
        scoreEight(queries, q, dim, embeddings, (firstSlot + t) * dim, out, row + t);
      }
      for (; t < slotCount; t++) {
        out[row + t] = dot(queries, q, embeddings, (firstSlot + t) * dim, dim);
      }
    }
  }

  /** Eight consecutive rows from {@code e}: eight independent sums, each in index order. */
  private static void scoreEight(float[] queries, int q, int dim, float[] embeddings, int e, float[] out, int at) {
    int e1 = e + dim;
    int e2 = e1 + dim;
    int e3 = e2 + dim;
    int e4 = e3 + dim;
    int e5 = e4 + dim;
    int e6 = e5 + dim;
    int e7 = e6 + dim;
    float a0 = 0f;
    float a1 = 0f;
    float a2 = 0f;
    float a3 = 0f;
    float a4 = 0f;
    float a5 = 0f;
    float a6 = 0f;
    float a7 = 0f;
    for (int k = 0; k < dim; k++) {
      float x = queries[q + k];
      a0 += x * embeddings[e + k];
      a1 += x * embeddings[e1 + k];
      a2 += x * embeddings[e2 + k];
      a3 += x * embeddings[e3 + k];
      a4 += x * embeddings[e4 + k];
      a5 += x * embeddings[e5 + k];
      a6 += x * embeddings[e6 + k];
      a7 += x * embeddings[e7 + k];
    }
    out[at] = a0;
    out[at + 1] = a1;
    out[at + 2] = a2;
    out[at + 3] = a3;
    out[at + 4] = a4;
    out[at + 5] = a5;
    out[at + 6] = a6;
    out[at + 7] = a7;
  }

  static float dot(float[] a, int aFrom, float[] b, int bFrom, int length) {
    float sum = 0f;
    for (int k = 0; k < length; k++) {
      sum += a[aFrom + k] * b[bFrom + k];
    }
    return sum;
  }
}
