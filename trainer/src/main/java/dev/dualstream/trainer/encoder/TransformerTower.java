package dev.dualstream.trainer.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small Transformer encoder as the dense part of the tower: the sequence's table rows (its hashed
 * ids in emission order, one token each) plus a learned position embedding, then {@code L} pre-norm
 * blocks ({@code x + attention(LN(x))}, then {@code x + W2 ReLU(W1 LN(x))}), a final layer norm, the
 * mean over the sequence's tokens, a linear map to the output width, L2-normalised.
 *
 * <p>The model width {@code d} is the table's row width; the feed-forward width {@code f} is the
 * configuration's hidden width. With {@link TransformerSpec#topK()} {@code k > 0}, each token keeps
 * only its {@code k} largest feed-forward activations after the ReLU (Top-k thresholding, the lazy
 * neuron paper's variant), in training and in inference.
 *
 * <p>Built from DJL's functional operators (linear, layer norm, softmax, batched matmul) over plain
 * parameter arrays rather than DJL blocks, for the same reason as {@link MlpTower}: the trainer's
 * Adam updates them in place, and a probe can read each block's feed-forward activations ({@link
 * #nonzeroFractions}).
 *
 * <p>File format: magic {@code 0x44535446} "DSTF", format version 1, then d, f, out, layers,
 * heads, positions, topK as little-endian ints, then every parameter in {@link #parameters()}
 * order as little-endian float32, row-major.
 */
public final class TransformerTower implements Tower {
  static final int MAGIC = 0x44535446;
  static final int FORMAT_VERSION = 1;
  private static final int HEADER_INTS = 9;
  private static final int PER_LAYER = 12;
  private static final float LAYER_NORM_EPSILON = 1e-5f;
  private static final float MASKED = -1e9f;

  private final int d;
  private final int f;
  private final int out;
  private final int positions;
  private final TransformerSpec spec;
  private final List<NDArray> parameters;

  private TransformerTower(int d, int f, int out, int positions, TransformerSpec spec,
      List<NDArray> parameters) {
    this.d = d;
    this.f = f;
    this.out = out;
    this.positions = positions;
    this.spec = spec;
    this.parameters = parameters;
  }

  /**
   * Seeded random weights: attention and output maps Xavier-uniform, the first feed-forward map
   * He-uniform (a ReLU follows), the second Xavier-uniform scaled by {@code 1 / sqrt(2L)} so the
   * residual stream does not grow with depth, position embeddings {@code U(+-0.02)}, layer norms
   * the identity, biases zero.
   *
   * @param positions the longest sequence the tower reads
   */
  public static TransformerTower random(NDManager manager, int d, int f, int out, int positions,
      TransformerSpec spec, long seed, boolean trainable) {
    checkShape(d, f, out, positions, spec);
    SplittableRandom random = new SplittableRandom(seed);
    List<Shape> shapes = shapes(d, f, out, positions, spec.layers());
    List<float[]> values = new ArrayList<>(shapes.size());
    values.add(uniform(random, positions * d, 0.02));
    double residualScale = 1 / Math.sqrt(2.0 * spec.layers());
    for (int layer = 0; layer < spec.layers(); layer++) {
      values.add(ones(d));
      values.add(new float[d]);
      values.add(uniform(random, 3 * d * d, Math.sqrt(6.0 / (2 * d))));
      values.add(new float[3 * d]);
      values.add(uniform(random, d * d, residualScale * Math.sqrt(6.0 / (2 * d))));
      values.add(new float[d]);
      values.add(ones(d));
      values.add(new float[d]);
      values.add(uniform(random, f * d, Math.sqrt(6.0 / d)));
      values.add(new float[f]);
      values.add(uniform(random, d * f, residualScale * Math.sqrt(6.0 / (d + f))));
      values.add(new float[d]);
    }
    values.add(ones(d));
    values.add(new float[d]);
    values.add(uniform(random, out * d, Math.sqrt(6.0 / (d + out))));
    values.add(new float[out]);
    return of(manager, d, f, out, positions, spec, values, trainable);
  }

  /** How {@link #grown} fills the layers it adds on top of a trained tower. */
  public enum Growth {
    /** Progressive stacking (Gong et al. 2019): copies of all trained layers, in order, on top. */
    STACK_ALL,
    /** Few-shot stacking (paper 2): copies of the top trained layer on top. */
    STACK_TOP,
    /** Fresh random layers on top, initialised as {@link #random} initialises them. */
    RANDOM
  }

  /**
   * A deeper tower that starts from this one: its layers at the bottom, {@code layers} in all,
   * the ones above filled as {@code growth} says; positions, the final layer norm and the output
   * map copied. Width, heads and Top-k stay.
   *
   * @param seed seeds the fresh layers of {@link Growth#RANDOM}
   * @throws IllegalArgumentException if {@code layers} is not more than this tower's
   */
  public TransformerTower grown(NDManager manager, int layers, Growth growth, long seed, boolean trainable) {
    int from = spec.layers();
    if (layers <= from) {
      throw new IllegalArgumentException("a grown tower needs more than the " + from + " layers it grows from, got "
          + layers);
    }
    TransformerSpec grownSpec = new TransformerSpec(layers, spec.heads(), spec.topK());
    List<float[]> mine = values();
    List<float[]> fresh;
    try (NDManager scratch = manager.newSubManager()) {
      fresh = random(scratch, d, f, out, positions, grownSpec, seed, false).values();
    }
    List<float[]> values = new ArrayList<>(fresh.size());
    values.add(mine.get(0));
    for (int layer = 0; layer < layers; layer++) {
      int source = switch (growth) {
        case STACK_ALL -> layer % from;
        case STACK_TOP -> Math.min(layer, from - 1);
        case RANDOM -> layer < from ? layer : -1;
      };
      for (int i = 1; i <= PER_LAYER; i++) {
        values.add(source < 0 ? fresh.get(layer * PER_LAYER + i) : mine.get(source * PER_LAYER + i).clone());
      }
    }
    values.addAll(mine.subList(1 + from * PER_LAYER, mine.size()));
    return of(manager, d, f, out, positions, grownSpec, values, trainable);
  }

  /** Weights from values in {@link #parameters()} order. */
  public static TransformerTower of(NDManager manager, int d, int f, int out, int positions,
      TransformerSpec spec, List<float[]> values, boolean trainable) {
    checkShape(d, f, out, positions, spec);
    List<Shape> shapes = shapes(d, f, out, positions, spec.layers());
    if (values.size() != shapes.size()) {
      throw new IllegalArgumentException(
          "expected " + shapes.size() + " parameter arrays, got " + values.size());
    }
    List<NDArray> arrays = new ArrayList<>(shapes.size());
    for (int i = 0; i < shapes.size(); i++) {
      if (values.get(i).length != shapes.get(i).size()) {
        throw new IllegalArgumentException("parameter " + i + " has " + values.get(i).length
            + " values, expected " + shapes.get(i));
      }
      NDArray array = manager.create(values.get(i), shapes.get(i));
      if (trainable) {
        array.setRequiresGradient(true);
      }
      arrays.add(array);
    }
    return new TransformerTower(d, f, out, positions, spec, List.copyOf(arrays));
  }

  /** Reads a tower written by {@link #write}. */
  public static TransformerTower read(NDManager manager, Path file, boolean trainable)
      throws IOException {
    try (ArrayFile.Reader reader = ArrayFile.open(file)) {
      if (reader.size() < 4L * HEADER_INTS) {
        throw new IOException(file + " is too short to be a Transformer tower");
      }
      int[] h = reader.ints(HEADER_INTS);
      if (h[0] != MAGIC || h[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not a Transformer tower of format version "
            + FORMAT_VERSION);
      }
      TransformerSpec spec;
      try {
        spec = new TransformerSpec(h[5], h[6], h[8]);
        checkShape(h[2], h[3], h[4], h[7], spec);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " declares an invalid shape: " + e.getMessage(), e);
      }
      List<Shape> shapes = shapes(h[2], h[3], h[4], h[7], spec.layers());
      long expected = 4L * HEADER_INTS;
      for (Shape shape : shapes) {
        if (shape.size() > Integer.MAX_VALUE - 8) {
          throw new IOException(file + " declares a parameter of " + shape
              + ", more than one Java array holds");
        }
        expected += 4 * shape.size();
      }
      if (reader.size() != expected) {
        throw new IOException(file + " has " + reader.size() + " bytes, expected " + expected);
      }
      List<float[]> values = new ArrayList<>(shapes.size());
      for (Shape shape : shapes) {
        float[] value = new float[(int) shape.size()];
        reader.floats(value);
        values.add(value);
      }
      return of(manager, h[2], h[3], h[4], h[7], spec, values, trainable);
    }
  }

  @Override
  public void write(Path file, ArrayFile.Durability durability) throws IOException {
    try (ArrayFile.Writer writer = ArrayFile.create(file, durability)) {
      writer.ints(MAGIC, FORMAT_VERSION, d, f, out, spec.layers(), spec.heads(), positions,
          spec.topK());
      for (float[] value : values()) {
        writer.floats(value);
      }
    }
  }

  /**
   * The padded token rows of sequences {@code from..to-1}: an {@code n x w x d} array, {@code w}
   * the longest of them (at least 1), each sequence's rows in order and zeros after.
   *
   * @throws IllegalArgumentException if a sequence is longer than the tower's positions
   */
  @Override
  public TowerInput input(NDManager step, EmbeddingTable table, RowBatch batch, int from, int to) {
    int width = width(batch, from, to);
    float[] weights = table.weights();
    int[] rows = batch.rows();
    float[] tokens = new float[(to - from) * width * d];
    for (int s = from; s < to; s++) {
      int[] ids = batch.local(s);
      for (int p = 0; p < ids.length; p++) {
        System.arraycopy(weights, rows[ids[p]] * d, tokens, ((s - from) * width + p) * d, d);
      }
    }
    return new TowerInput(step.create(tokens, new Shape(to - from, width, d)), batch, from, to);
  }

  @Override
  public NDArray forward(TowerInput input, boolean withGradient) {
    return forward(input, withGradient, null);
  }

  /**
   * The share of nonzero feed-forward activations (after the ReLU and any Top-k) of each block,
   * over the input's tokens (padding excluded), from one forward pass without gradients.
   */
  public float[] nonzeroFractions(TowerInput input) {
    float[] fractions = new float[spec.layers()];
    forward(input, false, fractions).close();
    return fractions;
  }

  @Override
  public void backward(TowerInput input, float[] leafGradient, BagPooling.RowGradients sink) {
    RowBatch batch = input.batch();
    int width = width(batch, input.from(), input.to());
    if (leafGradient.length != input.count() * width * d) {
      throw new IllegalArgumentException("expected " + input.count() + " x " + width + " x " + d
          + " token gradients, got " + leafGradient.length + " values");
    }
    // A row may stand at several positions of several sequences: its gradient is their sum.
    float[] rowGradients = new float[batch.size() * d];
    for (int s = input.from(); s < input.to(); s++) {
      int[] ids = batch.local(s);
      for (int p = 0; p < ids.length; p++) {
        int source = ((s - input.from()) * width + p) * d;
        int target = ids[p] * d;
        for (int k = 0; k < d; k++) {
          rowGradients[target + k] += leafGradient[source + k];
        }
      }
    }
    int[] rows = batch.rows();
    ComputeThreads.parallelFor(batch.size(), 512, (lo, hi) -> {
      for (int r = lo; r < hi; r++) {
        sink.accept(rows[r], rowGradients, r * d);
      }
    });
  }

  private NDArray forward(TowerInput input, boolean withGradient, float[] nonzero) {
    NDArray tokens = input.leaf();
    NDManager scope = tokens.getManager();
    List<NDArray> p = withGradient ? parameters : Tower.detached(parameters, scope);
    int n = input.count();
    int width = (int) tokens.getShape().get(1);
    int heads = spec.heads();
    int headWidth = d / heads;
    float[] keyBias = new float[n * width];
    float[] poolWeights = new float[n * width];
    int realTokens = 0;
    for (int s = 0; s < n; s++) {
      int length = input.batch().local(input.from() + s).length;
      realTokens += length;
      Arrays.fill(keyBias, s * width + length, (s + 1) * width, MASKED);
      Arrays.fill(poolWeights, s * width, s * width + length, 1f / Math.max(1, length));
    }
    NDArray attentionMask = scope.create(keyBias, new Shape(n, 1, 1, width));
    NDArray tokenWeights = scope.create(poolWeights, new Shape(n, width, 1));
    NDArray positionRows = p.get(0).get(new NDIndex("0:{}", width));
    NDArray x = tokens.add(positionRows);
    Shape model = new Shape(d);
    for (int layer = 0; layer < spec.layers(); layer++) {
      int at = 1 + layer * PER_LAYER;
      NDArray normed = LayerNorm.layerNorm(x, model, p.get(at), p.get(at + 1), LAYER_NORM_EPSILON)
          .singletonOrThrow();
      NDList qkv = Linear.linear(normed, p.get(at + 2), p.get(at + 3)).singletonOrThrow()
          .split(3, 2);
      NDArray q = heads(qkv.get(0), n, width, heads, headWidth);
      NDArray k = heads(qkv.get(1), n, width, heads, headWidth);
      NDArray v = heads(qkv.get(2), n, width, heads, headWidth);
      NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).mul(1 / Math.sqrt(headWidth))
          .add(attentionMask).softmax(-1);
      NDArray attended = weights.matMul(v).transpose(0, 2, 1, 3).reshape(n, width, d);
      x = x.add(Linear.linear(attended, p.get(at + 4), p.get(at + 5)).singletonOrThrow());
      NDArray normed2 = LayerNorm.layerNorm(x, model, p.get(at + 6), p.get(at + 7),
          LAYER_NORM_EPSILON).singletonOrThrow();
      NDArray activations = Activation.relu(
          Linear.linear(normed2, p.get(at + 8), p.get(at + 9)).singletonOrThrow());
      if (spec.topK() > 0 && spec.topK() < f) {
        NDArray threshold = activations.stopGradient().sort(-1)
            .get(new NDIndex(":, :, {}", f - spec.topK())).expandDims(2);
        activations = activations.mul(activations.gte(threshold).toType(DataType.FLOAT32, false));
      }
      if (nonzero != null) {
        NDArray live = activations.gt(0).toType(DataType.FLOAT32, false).sum(new int[] {2})
            .mul(tokenWeights.squeeze(2).gt(0).toType(DataType.FLOAT32, false));
        nonzero[layer] = realTokens == 0 ? 0f : live.sum().getFloat() / ((float) realTokens * f);
      }
      x = x.add(Linear.linear(activations, p.get(at + 10), p.get(at + 11)).singletonOrThrow());
    }
    int last = 1 + spec.layers() * PER_LAYER;
    NDArray normed = LayerNorm.layerNorm(x, model, p.get(last), p.get(last + 1),
        LAYER_NORM_EPSILON).singletonOrThrow();
    NDArray pooled = normed.mul(tokenWeights).sum(new int[] {1});
    NDArray output = Linear.linear(pooled, p.get(last + 2), p.get(last + 3)).singletonOrThrow();
    return output.normalize(2, 1, 1e-12);
  }

  private static NDArray heads(NDArray x, int n, int width, int heads, int headWidth) {
    return x.reshape(n, width, heads, headWidth).transpose(0, 2, 1, 3);
  }

  private int width(RowBatch batch, int from, int to) {
    int width = batch.width(from, to);
    if (width > positions) {
      throw new IllegalArgumentException("a sequence of " + width
          + " ids is longer than the Transformer's " + positions + " positions");
    }
    return width;
  }

  @Override
  public List<NDArray> parameters() {
    return parameters;
  }

  @Override
  public int inputDim() {
    return d;
  }

  @Override
  public int outputDim() {
    return out;
  }

  /** The feed-forward width. */
  public int feedForwardDim() {
    return f;
  }

  /** The longest sequence the tower reads. */
  public int positions() {
    return positions;
  }

  public TransformerSpec spec() {
    return spec;
  }

  /** Parameter shapes, in file order, of a tower of this shape. */
  public static List<Shape> shapes(int d, int f, int out, int positions, int layers) {
    List<Shape> shapes = new ArrayList<>(1 + layers * PER_LAYER + 4);
    shapes.add(new Shape(positions, d));
    for (int layer = 0; layer < layers; layer++) {
      shapes.add(new Shape(d));
      shapes.add(new Shape(d));
      shapes.add(new Shape(3L * d, d));
      shapes.add(new Shape(3L * d));
      shapes.add(new Shape(d, d));
      shapes.add(new Shape(d));
      shapes.add(new Shape(d));
      shapes.add(new Shape(d));
      shapes.add(new Shape(f, d));
      shapes.add(new Shape(f));
      shapes.add(new Shape(d, f));
      shapes.add(new Shape(d));
    }
    shapes.add(new Shape(d));
    shapes.add(new Shape(d));
    shapes.add(new Shape(out, d));
    shapes.add(new Shape(out));
    return shapes;
  }

  /**
   * Checks that a tower of this shape can exist: positive widths, heads that divide the model
   * width, top-k within the feed-forward width.
   *
   * @throws IllegalArgumentException if not, with the reason
   */
  public static void checkShape(int d, int f, int out, int positions, TransformerSpec spec) {
    if (d < 1 || f < 1 || out < 1 || positions < 1) {
      throw new IllegalArgumentException("widths and positions must be positive: d " + d + ", f "
          + f + ", out " + out + ", positions " + positions);
    }
    if (d % spec.heads() != 0) {
      throw new IllegalArgumentException(
          spec.heads() + " heads do not divide the model width " + d);
    }
    if (spec.topK() > f) {
      throw new IllegalArgumentException(
          "top-k " + spec.topK() + " exceeds the feed-forward width " + f);
    }
  }

  private static float[] ones(int n) {
    float[] values = new float[n];
    Arrays.fill(values, 1f);
    return values;
  }

  private static float[] uniform(SplittableRandom random, int n, double bound) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return values;
  }
}
