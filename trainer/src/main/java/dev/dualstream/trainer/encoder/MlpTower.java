package dev.dualstream.trainer.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The dense part of a tower: {@code Linear(in, hidden) -> ReLU -> Linear(hidden, out) -> L2
 * normalise}. Parameters are plain DJL arrays (weights stored {@code out x in}, as in PyTorch), not
 * a DJL {@code Block}, so the optimizer can update them in place.
 *
 * <p>Initialisation, from a seeded {@link SplittableRandom}: the first layer He-uniform ({@code
 * U(+-sqrt(6 / in))}, suited to the ReLU after it), the second Xavier-uniform ({@code U(+-sqrt(6 /
 * (hidden + out)))}), biases zero.
 *
 * <p>File format: five little-endian ints (magic {@code 0x44534d54} "DSMT", format version 1, in,
 * hidden, out), then w1, b1, w2, b2 as little-endian float32, row-major.
 */
public final class MlpTower implements Tower {
  static final int MAGIC = 0x44534d54;
  static final int FORMAT_VERSION = 1;

  private final int in;
  private final int hidden;
  private final int out;
  private final List<NDArray> parameters;

  private MlpTower(int in, int hidden, int out, List<NDArray> parameters) {
    this.in = in;
    this.hidden = hidden;
    this.out = out;
    this.parameters = parameters;
  }

  /** Seeded random weights in the given manager; {@code trainable} attaches gradients. */
  public static MlpTower random(
      NDManager manager, int in, int hidden, int out, long seed, boolean trainable) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] w1 = uniform(random, hidden * in, Math.sqrt(6.0 / in));
    float[] w2 = uniform(random, out * hidden, Math.sqrt(6.0 / (hidden + out)));
    return of(manager, in, hidden, out, List.of(w1, new float[hidden], w2, new float[out]),
        trainable);
  }

  /** Weights from values in the order w1, b1, w2, b2. */
  public static MlpTower of(
      NDManager manager, int in, int hidden, int out, List<float[]> values, boolean trainable) {
    if (in < 1 || hidden < 1 || out < 1) {
      throw new IllegalArgumentException("layer sizes must be positive: " + in + ", " + hidden
          + ", " + out);
    }
    List<Shape> shapes = shapes(in, hidden, out);
    if (values.size() != shapes.size()) {
      throw new IllegalArgumentException("expected 4 parameter arrays, got " + values.size());
    }
    NDArray[] arrays = new NDArray[shapes.size()];
    for (int i = 0; i < arrays.length; i++) {
      if (values.get(i).length != shapes.get(i).size()) {
        throw new IllegalArgumentException(
            "parameter " + i + " has " + values.get(i).length + " values, expected "
                + shapes.get(i));
      }
      arrays[i] = manager.create(values.get(i), shapes.get(i));
      if (trainable) {
        arrays[i].setRequiresGradient(true);
      }
    }
    return new MlpTower(in, hidden, out, List.of(arrays));
  }

  /** Reads a tower written by {@link #write(Path)} into the given manager. */
  public static MlpTower read(NDManager manager, Path file, boolean trainable) throws IOException {
    try (ArrayFile.Reader reader = ArrayFile.open(file)) {
      int[] header = reader.ints(5);
      if (header[0] != MAGIC || header[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not a dense tower of format version " + FORMAT_VERSION);
      }
      // Widths from the file are checked before any product of them is trusted: negative or huge
      // ones could otherwise multiply to the file's length and then to a negative array size.
      if (header[2] < 1 || header[3] < 1 || header[4] < 1) {
        throw new IOException(file + " declares layer widths " + header[2] + ", " + header[3] + ", " + header[4]);
      }
      List<Shape> shapes = shapes(header[2], header[3], header[4]);
      for (Shape shape : shapes) {
        if (shape.size() > Integer.MAX_VALUE - 8) {
          throw new IOException(file + " declares a parameter of " + shape + ", more than one Java array holds");
        }
      }
      long expected = 20 + 4 * shapes.stream().mapToLong(Shape::size).sum();
      if (reader.size() != expected) {
        throw new IOException(file + " has " + reader.size() + " bytes, expected " + expected);
      }
      List<float[]> values = new ArrayList<>();
      for (Shape shape : shapes) {
        float[] value = new float[(int) shape.size()];
        reader.floats(value);
        values.add(value);
      }
      return of(manager, header[2], header[3], header[4], values, trainable);
    }
  }

  /** Writes the weights to disk; see the class comment for the format. */
  public void write(Path file) throws IOException {
    write(file, ArrayFile.Durability.SYNCED);
  }

  /** Writes the weights; see the class comment for the format. */
  @Override
  public void write(Path file, ArrayFile.Durability durability) throws IOException {
    try (ArrayFile.Writer writer = ArrayFile.create(file, durability)) {
      writer.ints(MAGIC, FORMAT_VERSION, in, hidden, out);
      for (float[] value : values()) {
        writer.floats(value);
      }
    }
  }

  /** The mean-pooled rows of each sequence ({@link BagPooling#pool}), {@code n x in}. */
  @Override
  public TowerInput input(NDManager step, EmbeddingTable table, RowBatch batch, int from, int to) {
    NDArray pooled = step.create(BagPooling.pool(table, batch, from, to), new Shape(to - from, in));
    return new TowerInput(pooled, batch, from, to);
  }

  @Override
  public NDArray forward(TowerInput input, boolean withGradient) {
    return forward(input.leaf(), withGradient);
  }

  /** Spreads the pooled rows' gradient over the rows they averaged ({@link BagPooling#backward}). */
  @Override
  public void backward(TowerInput input, float[] leafGradient, BagPooling.RowGradients sink) {
    if (input.from() != 0 || input.to() != input.batch().sequences()) {
      throw new IllegalArgumentException("the bag's gradient is spread over whole batches only");
    }
    BagPooling.backward(input.batch(), leafGradient, in, sink);
  }

  /**
   * Embeds pooled inputs ({@code n x in}) to unit rows ({@code n x out}) in the manager of {@code
   * pooled}. With {@code withGradient} false the parameters enter through detached views, so no
   * autograd graph is recorded whatever the thread's grad mode.
   */
  public NDArray forward(NDArray pooled, boolean withGradient) {
    List<NDArray> p = withGradient ? parameters : Tower.detached(parameters, pooled.getManager());
    NDArray hidden = Activation.relu(Linear.linear(pooled, p.get(0), p.get(1)).singletonOrThrow());
    NDArray output = Linear.linear(hidden, p.get(2), p.get(3)).singletonOrThrow();
    return output.normalize(2, 1, 1e-12);
  }

  /** The parameter arrays w1, b1, w2, b2 (live). */
  @Override
  public List<NDArray> parameters() {
    return parameters;
  }

  @Override
  public int inputDim() {
    return in;
  }

  public int hiddenDim() {
    return hidden;
  }

  @Override
  public int outputDim() {
    return out;
  }

  private static List<Shape> shapes(int in, int hidden, int out) {
    return List.of(new Shape(hidden, in), new Shape(hidden), new Shape(out, hidden),
        new Shape(out));
  }

  private static float[] uniform(SplittableRandom random, int n, double bound) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return values;
  }
}
