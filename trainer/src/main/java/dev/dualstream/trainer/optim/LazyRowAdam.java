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
 * <p>Weights and moments are flat row-major {@code float[]} arrays. Not thread-safe, except that
 * {@link #updateRow} may run concurrently for distinct rows.
 */
public final class LazyRowAdam implements TableOptimizer {

  /** Bias corrections are precomputed for row steps below this; two pow calls per row cost more. */
  private static final int BIAS_TABLE = 1 << 14;

  private final AdamSettings settings;
  private final int rows;
  private final int dim;
  private final TouchedRows touched;
  private final float[] m;
  private final float[] v;
  private final int[] rowSteps;
  private final float b1;
  private final float b2;
  private final float oneMinusB1;
  private final float oneMinusB2;
  private final float eps;
  private final float[] stepSizes = new float[BIAS_TABLE];
  private final float[] rootBiases = new float[BIAS_TABLE];
  private final ThreadLocal<Scratch> scratch;

  /** Fresh state (zero moments, zero steps) for a table of {@code rows x dim}. */
  public LazyRowAdam(int rows, int dim, AdamSettings settings) {
    this(rows, dim, settings, new float[TableOptimizer.checkedSize(rows, dim)],
        new float[TableOptimizer.checkedSize(rows, dim)], new int[rows]);
  }

  /** Restores saved state; the arrays are used, not copied. */
  public LazyRowAdam(
      int rows, int dim, AdamSettings settings, float[] m, float[] v, int[] rowSteps) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rows = rows;
    this.dim = dim;
    this.touched = new TouchedRows(rows);
    int size = TableOptimizer.checkedSize(rows, dim);
    if (m.length != size || v.length != size || rowSteps.length != rows) {
      throw new IllegalArgumentException("optimizer state does not match a " + rows + " x " + dim
          + " table");
    }
    this.m = m;
    this.v = v;
    this.rowSteps = rowSteps;
    this.b1 = (float) settings.beta1();
    this.b2 = (float) settings.beta2();
    this.oneMinusB1 = 1 - b1;
    this.oneMinusB2 = 1 - b2;
    this.eps = (float) settings.epsilon();
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(dim));
    for (int t = 1; t < BIAS_TABLE; t++) {
      stepSizes[t] = stepSize(t);
      rootBiases[t] = rootBias(t);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The row's weights and moments are copied into per-thread scratch arrays, updated there and
   * copied back: a loop whose arrays all start at index 0 is one the JIT compiles to vector
   * instructions, and the copies are intrinsics, so this is about twice as fast as updating in
   * place at the row's offset. The arithmetic, and so the result, is the same.
   */
  @Override
  public void updateRow(float[] weights, int row, float[] grads, int offset) {
    touched.mark(row);
    Scratch s = scratch.get();
    int t = ++rowSteps[row];
    float stepSize = t < BIAS_TABLE ? stepSizes[t] : stepSize(t);
    float rootBias = t < BIAS_TABLE ? rootBiases[t] : rootBias(t);
    int base = row * dim;
    float[] w = s.w;
    float[] mt = s.m;
    float[] vt = s.v;
    float[] g = grads;
    if (offset != 0) {
      g = s.g;
      System.arraycopy(grads, offset, g, 0, dim);
    }
    System.arraycopy(weights, base, w, 0, dim);
    System.arraycopy(m, base, mt, 0, dim);
    System.arraycopy(v, base, vt, 0, dim);
    for (int k = 0; k < dim; k++) {
      float grad = g[k];
      float mk = b1 * mt[k] + oneMinusB1 * grad;
      float vk = b2 * vt[k] + oneMinusB2 * grad * grad;
      mt[k] = mk;
      vt[k] = vk;
      w[k] -= stepSize * mk / ((float) Math.sqrt(vk) / rootBias + eps);
    }
    System.arraycopy(w, 0, weights, base, dim);
    System.arraycopy(mt, 0, m, base, dim);
    System.arraycopy(vt, 0, v, base, dim);
  }

  /** One thread's copies of a row under update. */
  private static final class Scratch {
    final float[] w;
    final float[] m;
    final float[] v;
    final float[] g;

    Scratch(int dim) {
      w = new float[dim];
      m = new float[dim];
      v = new float[dim];
      g = new float[dim];
    }
  }

  private float stepSize(int t) {
    return (float) (settings.learningRate() / (1 - Math.pow(settings.beta1(), t)));
  }

  private float rootBias(int t) {
    return (float) Math.sqrt(1 - Math.pow(settings.beta2(), t));
  }

  @Override
  public Kind kind() {
    return Kind.ADAM;
  }

  public AdamSettings settings() {
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
}
