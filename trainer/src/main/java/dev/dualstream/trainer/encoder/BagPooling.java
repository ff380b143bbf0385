package dev.dualstream.trainer.encoder;

import java.util.Arrays;

/**
 * The embedding bag (mean of a sequence's table rows) and its gradient, computed on the heap
 * straight from the flat table.
 *
 * <p>Design note. The bag is a gather and a sum; its gradient is a scatter-add. Through DJL they
 * cost an index array, a {@code [n, width, dim]} temporary in each direction and an {@code
 * index_put} into a gathered copy of the rows: about two thirds of a step at the benchmark sizes.
 * Done here they are two passes over the batch's ids, parallel over independent units (sequences
 * forward, distinct rows backward, using {@link RowBatch}'s transpose) so no two threads write the
 * same memory and the result does not depend on the thread count. Each table row and gradient row
 * is first copied to a scratch array at index 0: the JIT vectorizes loops over arrays that start at
 * the same index, not loops that mix a row's offset with another array's, and the copies are
 * intrinsics; that halves the time of both passes. The towers then start from the
 * pooled {@code [n, dim]} matrix, which is a leaf with a gradient, and the gradient of a row goes
 * straight to the optimizer, row by row, without a second copy of the batch's gradients.
 */
public final class BagPooling {

  /** Receives the gradient of one table row, at {@code grads[offset .. offset + dim)}. */
  @FunctionalInterface
  public interface RowGradients {
    void accept(int row, float[] grads, int offset);
  }

  private static final int SEQUENCE_GRAIN = 32;
  private static final int ROW_GRAIN = 512;

  private BagPooling() {}

  /**
   * The mean of each sequence's rows, for the batch's sequences {@code [from, to)}, row-major in a
   * new {@code (to - from) x dim} array. An empty sequence pools to zeros.
   */
  public static float[] pool(EmbeddingTable table, RowBatch batch, int from, int to) {
    int dim = table.dim();
    float[] weights = table.weights();
    int[] rows = batch.rows();
    float[] out = new float[(to - from) * dim];
    ComputeThreads.parallelFor(to - from, SEQUENCE_GRAIN, (lo, hi) -> {
      float[] sum = new float[dim];
      float[] row = new float[dim];
      for (int s = lo; s < hi; s++) {
        int[] ids = batch.local(from + s);
        Arrays.fill(sum, 0f);
        for (int id : ids) {
          System.arraycopy(weights, rows[id] * dim, row, 0, dim);
          for (int k = 0; k < dim; k++) {
            sum[k] += row[k];
          }
        }
        if (ids.length > 1) {
          float inverse = 1f / ids.length;
          for (int k = 0; k < dim; k++) {
            sum[k] *= inverse;
          }
        }
        System.arraycopy(sum, 0, out, s * dim, dim);
      }
    });
    return out;
  }

  /**
   * The gradient of every distinct row of the batch, given the gradient of the pooled matrix of
   * all its sequences, each handed to {@code sink} once. Rows are spread over the compute threads,
   * so {@code sink} must accept distinct rows concurrently.
   *
   * @param pooledGrads {@code sequences x dim}, row-major
   */
  public static void backward(RowBatch batch, float[] pooledGrads, int dim, RowGradients sink) {
    int sequences = batch.sequences();
    if (pooledGrads.length != sequences * dim) {
      throw new IllegalArgumentException("expected " + sequences + " x " + dim
          + " pooled gradients, got " + pooledGrads.length + " values");
    }
    float[] inverse = batch.inverseLengths(0, sequences);
    float[] scaled = new float[pooledGrads.length];
    for (int q = 0; q < sequences; q++) {
      for (int k = q * dim; k < (q + 1) * dim; k++) {
        scaled[k] = inverse[q] * pooledGrads[k];
      }
    }
    int[] offsets = batch.occurrenceOffsets();
    int[] occurrences = batch.occurrenceSequences();
    int[] rows = batch.rows();
    ComputeThreads.parallelFor(batch.size(), ROW_GRAIN, (lo, hi) -> {
      float[] grad = new float[dim];
      float[] part = new float[dim];
      for (int r = lo; r < hi; r++) {
        Arrays.fill(grad, 0f);
        for (int o = offsets[r]; o < offsets[r + 1]; o++) {
          System.arraycopy(scaled, occurrences[o] * dim, part, 0, dim);
          for (int k = 0; k < dim; k++) {
            grad[k] += part[k];
          }
        }
        sink.accept(rows[r], grad, 0);
      }
    });
  }
}
