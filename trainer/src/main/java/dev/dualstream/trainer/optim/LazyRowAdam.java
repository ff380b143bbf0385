package dev.dualstream.trainer.optim;

import java.util.Objects;

/**
 * Adam for a large embedding table, applied only to the rows a batch touched.
 *
 * <p>Design note. A dense Adam step reads and writes every row of the table and both moment
 * tables, although a batch touches a few thousand of 10^5 to 10^7 rows; that waste dominates a
 * training step. This is the "lazy" (sparse) Adam of TensorFlow's {@code LazyAdamOptimizer} and
 * PyTorch's {@code SparseAdam}: a touched row's moments decay and update as in Adam, untouched
 * rows and their moments are left alone. Each row keeps its own step count, so the bias correction
 * {@code 1 - beta^t} uses the number of updates that row has seen; a row touched on every step
 * follows dense Adam exactly. The update for a row with gradient g at its step t is PyTorch's:
 *
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * <p>Weights and moments are flat row-major {@code float[]} arrays. Not thread-safe.
 */
public final class LazyRowAdam {

  private final AdamSettings settings;
  private final int rows;
  private final int dim;
  private final float[] m;
  private final float[] v;
  private final int[] rowSteps;

  /** Fresh state (zero moments, zero steps) for a table of {@code rows x dim}. */
  public LazyRowAdam(int rows, int dim, AdamSettings settings) {
    this(rows, dim, settings, new float[checkedSize(rows, dim)], new float[checkedSize(rows, dim)],
        new int[rows]);
  }

  /** Restores saved state; the arrays are used, not copied. */
  public LazyRowAdam(
      int rows, int dim, AdamSettings settings, float[] m, float[] v, int[] rowSteps) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rows = rows;
    this.dim = dim;
    int size = checkedSize(rows, dim);
    if (m.length != size || v.length != size || rowSteps.length != rows) {
      throw new IllegalArgumentException("optimizer state does not match a " + rows + " x " + dim
          + " table");
    }
    this.m = m;
    this.v = v;
    this.rowSteps = rowSteps;
  }

  /**
   * Applies one Adam step to the given rows.
   *
   * @param weights the table, {@code rows x dim}, updated in place
   * @param touched distinct row numbers; row {@code touched[i]} has its gradient at {@code
   *     grads[i * dim .. (i + 1) * dim)}
   * @param count how many entries of {@code touched} to use
   * @param grads gradients of the touched rows, row-major
   */
  public void update(float[] weights, int[] touched, int count, float[] grads) {
    if (weights.length != m.length) {
      throw new IllegalArgumentException("weights do not match the optimizer's table size");
    }
    if (count > touched.length || (long) count * dim > grads.length) {
      throw new IllegalArgumentException("fewer gradients or rows than count " + count);
    }
    float b1 = (float) settings.beta1();
    float b2 = (float) settings.beta2();
    float eps = (float) settings.epsilon();
    for (int i = 0; i < count; i++) {
      int row = touched[i];
      int t = ++rowSteps[row];
      float stepSize = (float) (settings.learningRate() / (1 - Math.pow(settings.beta1(), t)));
      float rootBias = (float) Math.sqrt(1 - Math.pow(settings.beta2(), t));
      int w = row * dim;
      int g = i * dim;
      for (int k = 0; k < dim; k++) {
        float grad = grads[g + k];
        float mk = b1 * m[w + k] + (1 - b1) * grad;
        float vk = b2 * v[w + k] + (1 - b2) * grad * grad;
        m[w + k] = mk;
        v[w + k] = vk;
        weights[w + k] -= stepSize * mk / ((float) Math.sqrt(vk) / rootBias + eps);
      }
    }
  }

  public AdamSettings settings() {
    return settings;
  }

  public int rows() {
    return rows;
  }

  public int dim() {
    return dim;
  }

  /** First moments, row-major; the live array, for checkpointing. */
  public float[] firstMoments() {
    return m;
  }

  /** Second moments, row-major; the live array, for checkpointing. */
  public float[] secondMoments() {
    return v;
  }

  /** Number of updates each row has seen; the live array, for checkpointing. */
  public int[] rowSteps() {
    return rowSteps;
  }

  private static int checkedSize(int rows, int dim) {
    long size = (long) rows * dim;
    if (rows < 1 || dim < 1 || size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a table of " + rows + " x " + dim + " does not fit one Java array");
    }
    return (int) size;
  }
}
