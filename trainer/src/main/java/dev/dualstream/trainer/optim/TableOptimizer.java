package dev.dualstream.trainer.optim;

/**
 * An optimizer of a large embedding table that updates only the rows a batch touched, one row at a
 * time, so that rows can be spread over threads. The table and the optimizer's state are flat
 * row-major {@code float[]} arrays; the caller owns the table, the optimizer its state.
 *
 * <p>Two implementations, chosen by {@link Kind}: {@link LazyRowAdam} and {@link LazyRowAdagrad}.
 * The interface is sealed because the trainer's checkpoint writes each one's state in its own
 * layout.
 */
public sealed interface TableOptimizer permits LazyRowAdam, LazyRowAdagrad {

  /** Which lazy optimizer updates the table's rows. */
  enum Kind {
    /** Lazy Adam with per-row step counts for the bias correction ({@link LazyRowAdam}). */
    ADAM("lazy Adam: moments and bias correction per row, step about lr per coordinate", 1e-3),
    /** Lazy Adagrad ({@link LazyRowAdagrad}). */
    ADAGRAD("lazy Adagrad: a row's steps shrink with the squared gradients it has accumulated", 0.1);

    private final String description;
    private final double defaultLearningRate;

    Kind(String description, double defaultLearningRate) {
      this.description = description;
      this.defaultLearningRate = defaultLearningRate;
    }

    /** One line for help texts. */
    public String description() {
      return description;
    }

    /**
     * The table's learning rate that goes with this optimizer unless one is set: Adagrad's steps
     * shrink from lr, so it starts a hundred times higher than Adam's, whose steps stay near lr.
     */
    public double defaultLearningRate() {
      return defaultLearningRate;
    }
  }

  Kind kind();

  int rows();

  /** The rows this optimizer has updated since their last drain. */
  TouchedRows touched();

  int dim();

  /**
   * Applies one step to one row. Calls for different rows touch disjoint state, so threads may
   * update distinct rows at the same time; one row must not be updated twice concurrently.
   *
   * @param weights the table, {@code rows x dim}, updated in place
   * @param row the row number
   * @param grads holds the row's gradient at {@code grads[offset .. offset + dim)}
   */
  void updateRow(float[] weights, int row, float[] grads, int offset);

  /**
   * Applies one step to each of the given rows.
   *
   * @param weights the table, {@code rows x dim}, updated in place
   * @param touched distinct row numbers; row {@code touched[i]} has its gradient at {@code
   *     grads[i * dim .. (i + 1) * dim)}
   * @param count how many entries of {@code touched} to use
   * @param grads gradients of the touched rows, row-major
   */
  default void update(float[] weights, int[] touched, int count, float[] grads) {
    if ((long) weights.length != (long) rows() * dim()) {
      throw new IllegalArgumentException("weights do not match the optimizer's table size");
    }
    if (count > touched.length || (long) count * dim() > grads.length) {
      throw new IllegalArgumentException("fewer gradients or rows than count " + count);
    }
    for (int i = 0; i < count; i++) {
      updateRow(weights, touched[i], grads, i * dim());
    }
  }

  /** {@code rows x dim} as an array length, or an exception naming the sizes. */
  static int checkedSize(int rows, int dim) {
    long size = (long) rows * dim;
    if (rows < 1 || dim < 1 || size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a table of " + rows + " x " + dim + " does not fit one Java array");
    }
    return (int) size;
  }
}
