package dev.dualstream.trainer.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shared tower of the dual encoder: an embedding table over hashed ids, then a {@link Tower},
 * by default the embedding bag (the mean of the non-padding ids' rows) and an {@link MlpTower},
 * optionally a {@link TransformerTower} over the ids in order. Queries and documents go through the
 * same weights.
 *
 * <p>A forward pass works on a {@link RowBatch}. {@link #input} builds the tower's leaf on the heap
 * straight from the {@link EmbeddingTable} (the pooled {@code n x dim} matrix for the bag, the
 * padded token rows for the Transformer); in training the leaf has a gradient, and {@link
 * #backward} turns it into the touched rows' gradients. For the bag model, the native path ({@link
 * #gather}, {@link #encode}) copies the distinct rows into one {@code (size + 1) x dim} array whose
 * last row is zero and pools by local index inside the engine; it gives the same embeddings and
 * serves as the reference in tests.
 *
 * <p>Holds the tower's native arrays in its own manager; {@link #close()} frees them. Not
 * thread-safe.
 */
public final class DualEncoderNetwork implements AutoCloseable {

  private final NDManager manager;
  private final EmbeddingTable table;
  private final Tower tower;

  /** Takes ownership of the manager the tower lives in. */
  public DualEncoderNetwork(NDManager manager, EmbeddingTable table, Tower tower) {
    this.manager = Objects.requireNonNull(manager, "manager");
    this.table = Objects.requireNonNull(table, "table");
    this.tower = Objects.requireNonNull(tower, "tower");
    if (table.dim() != tower.inputDim()) {
      throw new IllegalArgumentException("table dim " + table.dim()
          + " does not match the tower's input " + tower.inputDim());
    }
  }

  /** The batch's rows plus a trailing zero row, as a new array in {@code step}. */
  public NDArray gather(NDManager step, RowBatch batch) {
    int dim = table.dim();
    float[] rows = new float[(batch.size() + 1) * dim];
    table.gather(batch.rows(), batch.size(), rows);
    return step.create(rows, new Shape(batch.size() + 1, dim));
  }

  /**
   * The tower's input for the batch's sequences {@code from..to-1}, built on the heap from the
   * table as a new array in {@code step}. In training its leaf is what autograd differentiates;
   * {@link #backward} carries that gradient to the table rows.
   */
  public TowerInput input(NDManager step, RowBatch batch, int from, int to) {
    return tower.input(step, table, batch, from, to);
  }

  /** Embeds an input to unit rows with the shared tower. */
  public NDArray encode(TowerInput input, boolean withGradient) {
    return tower.forward(input, withGradient);
  }

  /** Hands each distinct row of the input's batch its gradient, given the leaf's (see {@link Tower#backward}). */
  public void backward(TowerInput input, float[] leafGradient, BagPooling.RowGradients sink) {
    tower.backward(input, leafGradient, sink);
  }

  /**
   * Embeds sequences {@code from..to-1} of the batch to unit rows, in the manager of {@code rows}.
   *
   * @param rows the array from {@link #gather}
   * @param withGradient whether the tower's parameters take part in autograd
   */
  public NDArray encode(NDArray rows, RowBatch batch, int from, int to, boolean withGradient) {
    if (!(tower instanceof MlpTower bag)) {
      throw new UnsupportedOperationException("the native path pools a bag; this tower is a "
          + tower.getClass().getSimpleName());
    }
    NDManager step = rows.getManager();
    int n = to - from;
    int width = batch.width(from, to);
    NDArray index = step.create(batch.paddedIndices(from, to), new Shape(n, width));
    NDArray inverseLengths = step.create(batch.inverseLengths(from, to), new Shape(n, 1));
    NDArray pooled = rows.get(index).sum(new int[] {1}).mul(inverseLengths);
    return bag.forward(pooled, withGradient);
  }

  /**
   * Embeds id sequences without gradients, {@code batchSize} at a time, each chunk in its own
   * native scope so memory stays flat.
   */
  public float[][] embed(List<int[]> sequences, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    int out = tower.outputDim();
    float[][] embeddings = new float[sequences.size()][];
    for (int from = 0; from < sequences.size(); from += batchSize) {
      int to = Math.min(sequences.size(), from + batchSize);
      try (NDManager step = manager.newSubManager()) {
        RowBatch batch = RowBatch.of(new ArrayList<>(sequences.subList(from, to)));
        float[] flat = encode(input(step, batch, 0, to - from), false).toFloatArray();
        for (int i = from; i < to; i++) {
          embeddings[i] = new float[out];
          System.arraycopy(flat, (i - from) * out, embeddings[i], 0, out);
        }
      }
    }
    return embeddings;
  }

  /** A manager for one step's temporaries, closed by the caller. */
  public NDManager newStepManager() {
    return manager.newSubManager();
  }

  public EmbeddingTable table() {
    return table;
  }

  public Tower tower() {
    return tower;
  }

  public int dimension() {
    return tower.outputDim();
  }

  /** The device the dense layers and per-step arrays live on. */
  public Device device() {
    return manager.getDevice();
  }

  @Override
  public void close() {
    manager.close();
  }
}
