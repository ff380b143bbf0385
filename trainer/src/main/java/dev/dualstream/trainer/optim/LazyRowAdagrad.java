package dev.dualstream.trainer.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * Adagrad for a large embedding table, applied only to the rows a batch touched.
 *
 * <p>Design note. Adagrad (Duchi, Hazan and Singer, JMLR 2011) keeps, per coordinate, the sum of
 * the squared gradients seen so far and divides each step by its root. The update for a row with
 * gradient g is PyTorch's {@code torch.optim.Adagrad} (no learning-rate decay, no weight decay):
 *
 * <pre>
 *   G += g^2;   w -= lr * g / (sqrt(G) + eps)
 * </pre>
 *
 * <p>Unlike Adam, Adagrad is lazy for free: a coordinate whose gradient is zero keeps its sum and
 * its weight, so updating only the touched rows is exactly dense Adagrad, and there is no bias
 * correction to keep per row. Why it is offered for the table: a row's step shrinks as {@code
 * 1/sqrt(number of updates)} for gradients of steady size, so the rows of frequent ids (and so the
 * embeddings of the documents they pool into) settle, where Adam keeps moving every touched row by
 * about {@code lr} per coordinate however often it was trained. That is what makes cached document
 * embeddings go stale (the negative cache's staleness, Lindgren et al., NeurIPS 2021). Rare ids,
 * with small sums, still take large steps.
 *
 * <p>Weights and accumulators are flat row-major {@code float[]} arrays. Not thread-safe, except
 * that {@link #updateRow} may run concurrently for distinct rows.
 */
public final class LazyRowAdagrad implements TableOptimizer {

  private final AdagradSettings settings;
  private final int rows;
  private final int dim;
  private final TouchedRows touched;
  private final float[] sums;
  private final float lr;
  private final float eps;
  private final ThreadLocal<Scratch> scratch;

  /** Fresh state (every sum at the initial accumulator value) for a table of {@code rows x dim}. */
  public LazyRowAdagrad(int rows, int dim, AdagradSettings settings) {
    this(rows, dim, settings, filled(TableOptimizer.checkedSize(rows, dim), settings));
  }

  /** Restores saved state; the array is used, not copied. */
  public LazyRowAdagrad(int rows, int dim, AdagradSettings settings, float[] sums) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rows = rows;
    this.dim = dim;
    this.touched = new TouchedRows(rows);
    if (sums.length != TableOptimizer.checkedSize(rows, dim)) {
      throw new IllegalArgumentException("optimizer state does not match a " + rows + " x " + dim
          + " table");
    }
    this.sums = sums;
    this.lr = (float) settings.learningRate();
    this.eps = (float) settings.epsilon();
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(dim));
  }

  /**
   * {@inheritDoc}
   *
   * <p>As in {@link LazyRowAdam#updateRow}, the row is updated in per-thread scratch arrays that
   * start at index 0, which the JIT vectorizes, and copied back.
   */
  @Override
  public void updateRow(float[] weights, int row, float[] grads, int offset) {
    touched.mark(row);
    Scratch s = scratch.get();
    int base = row * dim;
    float[] w = s.w;
    float[] acc = s.sum;
    float[] g = grads;
    if (offset != 0) {
      g = s.g;
      System.arraycopy(grads, offset, g, 0, dim);
    }
    System.arraycopy(weights, base, w, 0, dim);
    System.arraycopy(sums, base, acc, 0, dim);
    for (int k = 0; k < dim; k++) {
      float grad = g[k];
      float sum = acc[k] + grad * grad;
      acc[k] = sum;
      w[k] -= lr * grad / ((float) Math.sqrt(sum) + eps);
    }
    System.arraycopy(w, 0, weights, base, dim);
    System.arraycopy(acc, 0, sums, base, dim);
  }

  /** One thread's copies of a row under update. */
  private static final class Scratch {
    final float[] w;
    final float[] sum;
    final float[] g;

    Scratch(int dim) {
      w = new float[dim];
      sum = new float[dim];
      g = new float[dim];
    }
  }

  private static float[] filled(int size, AdagradSettings settings) {
    float[] sums = new float[size];
    if (settings.initialAccumulator() != 0) {
      Arrays.fill(sums, (float) settings.initialAccumulator());
    }
    return sums;
  }

  @Override
  public Kind kind() {
    return Kind.ADAGRAD;
  }

  public AdagradSettings settings() {
    return settings;
  }

  @Override
  public TouchedRows touched() {
    return touched;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int dim() {
    return dim;
  }

  /** Accumulated squared gradients, row-major; the live array, for checkpointing. */
  public float[] sums() {
    return sums;
  }
}
