package dev.dualstream.trainer.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The dense part of the shared tower, between the embedding table and the unit embedding: the bag
 * model's {@link MlpTower} or the {@link TransformerTower}.
 *
 * <p>A step builds the tower's {@link TowerInput} from the table on the heap ({@link #input}); its
 * leaf takes part in autograd, and {@link #backward} turns the leaf's gradient into the gradient of
 * each table row the batch touched. Parameters are plain DJL arrays, updated in place by the
 * trainer's dense Adam.
 */
public interface Tower {

  /** The leaf for sequences {@code from..to-1} of the batch, as a new array in {@code step}. */
  TowerInput input(NDManager step, EmbeddingTable table, RowBatch batch, int from, int to);

  /**
   * Embeds an input to unit rows ({@code n x outputDim}) in the manager of its leaf. With {@code
   * withGradient} false no autograd graph is recorded, whatever the thread's grad mode.
   */
  NDArray forward(TowerInput input, boolean withGradient);

  /**
   * Hands the gradient of every distinct row of the input's batch to {@code sink}, once per row,
   * given the gradient of the leaf; rows go in parallel, so the sink must accept distinct rows
   * concurrently.
   */
  void backward(TowerInput input, float[] leafGradient, BagPooling.RowGradients sink);

  /** The parameter arrays (live), in file order. */
  List<NDArray> parameters();

  /** The shapes of {@link #parameters()}. */
  default List<Shape> shapes() {
    return parameters().stream().map(NDArray::getShape).toList();
  }

  /** Copies of the parameter values, in file order. */
  default List<float[]> values() {
    return parameters().stream().map(NDArray::toFloatArray).toList();
  }

  /** Writes the weights with the tower's own header, which {@link #read} recognises. */
  void write(Path file, ArrayFile.Durability durability) throws IOException;

  /** Width of a table row. */
  int inputDim();

  /** Width of the embedding. */
  int outputDim();

  /** Reads a tower written by {@link #write}, of whichever kind its header names. */
  static Tower read(NDManager manager, Path file, boolean trainable) throws IOException {
    int magic;
    try (ArrayFile.Reader reader = ArrayFile.open(file)) {
      if (reader.size() < 4) {
        throw new IOException(file + " is too short to be a dense tower");
      }
      magic = reader.ints(1)[0];
    }
    if (magic == TransformerTower.MAGIC) {
      return TransformerTower.read(manager, file, trainable);
    }
    return MlpTower.read(manager, file, trainable);
  }

  /** Detached views of parameters, attached to {@code scratch}: they record no autograd graph. */
  static List<NDArray> detached(List<NDArray> parameters, NDManager scratch) {
    return parameters.stream()
        .map(
            p -> {
              NDArray view = p.stopGradient();
              view.attach(scratch);
              return view;
            })
        .toList();
  }
}
