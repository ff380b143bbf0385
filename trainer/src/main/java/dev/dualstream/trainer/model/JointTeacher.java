package dev.dualstream.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.loss.CandidateSoftmax;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.loss.Scalars;
import dev.dualstream.trainer.optim.AdamSettings;
import dev.dualstream.trainer.optim.DenseAdam;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A teacher that scores a (query, document) pair jointly, closer to a cross-encoder than a dual encoder
 * can be: the dense teacher's score plus a small network over both of its embeddings, their element-wise
 * product and how the two texts match exactly,
 *
 * <pre>{@code s(q, d) = scale q.d + w2 . relu(W1 [q; d; q * d; m/|Q|; log(1 + m)] + b1) + b2}</pre>
 *
 * <p>where m is the number of the query's feature ids that the document also has and |Q| the query's: the
 * exact-match interaction that a cross-encoder sees and a dual encoder, which compares two summaries, cannot.
 * q and d are the dense teacher's unit embeddings, taken after its step; the head learns on the same
 * candidates with the clicks (softmax cross-entropy of the clicked document), its gradient stopping at the
 * embeddings, so the dense teacher trains exactly as it would alone. The output layer starts at zero: a new
 * joint teacher ranks as its dense teacher and learns corrections from there. Because the score needs the
 * pair, it cannot index a corpus; it re-ranks a first stage's top documents ({@link #score}).
 *
 * <p>Checkpoint file: little-endian ints (magic {@code 0x44534a54} "DSJT", format 1, dim, hidden, the step
 * count's high and low halves), then w1, b1, w2, b2 and, for each, Adam's first and second moments, as
 * float32. Not thread-safe.
 */
public final class JointTeacher implements AutoCloseable {
  /** The name under which a checkpoint holds the joint teacher's file. */
  public static final String FILE = "joint-teacher.bin";
  /** The hidden width of the head unless asked otherwise. */
  public static final int DEFAULT_HIDDEN = 128;

  private static final int MAGIC = 0x44534a54;
  private static final int FORMAT = 1;
  private static final LossConfig CLICKS = LossConfig.defaults();
  /** Exact-match features per pair after the embeddings. */
  static final int MATCH_FEATURES = 2;

  private final NDManager manager;
  private final int dim;
  private final int hidden;
  private final List<NDArray> parameters;
  private final DenseAdam adam;
  private double lastLoss = Double.NaN;

  private JointTeacher(NDManager manager, int dim, int hidden, List<float[]> values, AdamSettings settings) {
    this.manager = manager;
    this.dim = dim;
    this.hidden = hidden;
    List<Shape> shapes = shapes(dim, hidden);
    List<NDArray> arrays = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      NDArray array = manager.create(values.get(i), shapes.get(i));
      array.setRequiresGradient(true);
      arrays.add(array);
    }
    this.parameters = List.copyOf(arrays);
    this.adam = new DenseAdam(parameters, settings);
  }

  /**
   * A new head over a dense teacher's {@code dim}-dimensional embeddings: the hidden layer He-uniform from
   * the seed, the output layer zero.
   */
  public static JointTeacher create(int dim, int hidden, AdamSettings settings, long seed) {
    if (dim < 1 || hidden < 1) {
      throw new IllegalArgumentException("the joint teacher needs positive widths, got " + dim + " and " + hidden);
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] w1 = new float[hidden * (3 * dim + MATCH_FEATURES)];
    double bound = Math.sqrt(6.0 / (3 * dim + MATCH_FEATURES));
    for (int k = 0; k < w1.length; k++) {
      w1[k] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return new JointTeacher(NDManager.newBaseManager(), dim, hidden,
        List.of(w1, new float[hidden], new float[hidden], new float[1]), settings);
  }

  /** A head with the given w1, b1, w2, b2 (for tests). */
  static JointTeacher of(int dim, int hidden, List<float[]> values, AdamSettings settings) {
    return new JointTeacher(NDManager.newBaseManager(), dim, hidden, values, settings);
  }

  /**
   * The joint teacher's scores of the dense teacher's candidates, taken before this step's update, then one
   * step of the head on the clicks.
   *
   * @param teacher the dense teacher, after its step on the batch that produced {@code candidates}
   * @return the same candidates with the joint scores in place of the dense ones
   */
  public Candidates step(DualEncoderTrainer teacher, Candidates candidates) {
    if (teacher.config().outputDim() != dim) {
      throw new IllegalArgumentException("the joint teacher reads " + dim + "-dimensional embeddings, its teacher"
          + " gives " + teacher.config().outputDim());
    }
    float[][] queries = teacher.embedIds(candidates.queries());
    float[][] documents = teacher.embedIds(candidates.documents());
    int b = candidates.size();
    int columns = candidates.columns();
    int[] cells = candidates.cells();
    int pairs = 0;
    for (int doc : cells) {
      pairs += doc >= 0 ? 1 : 0;
    }
    float[] q = new float[pairs * dim];
    float[] d = new float[pairs * dim];
    float[] match = new float[pairs * MATCH_FEATURES];
    int at = 0;
    for (int cell = 0; cell < cells.length; cell++) {
      if (cells[cell] >= 0) {
        int row = cell / columns;
        System.arraycopy(queries[row], 0, q, at * dim, dim);
        System.arraycopy(documents[cells[cell]], 0, d, at * dim, dim);
        match(candidates.queries().get(row), candidates.documents().get(cells[cell]), match, at);
        at++;
      }
    }
    double scale = teacher.config().scale();
    try (NDManager step = manager.newSubManager()) {
      double[] joint = new double[cells.length];
      synchronized (DualEncoderTrainer.COLLECTOR_LOCK) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray scores = forward(step, q, d, match, pairs, scale, parameters);
          float[] s = scores.toFloatArray();
          at = 0;
          for (int cell = 0; cell < cells.length; cell++) {
            joint[cell] = cells[cell] >= 0 ? s[at++] : Double.NEGATIVE_INFINITY;
          }
          CandidateSoftmax.Result clicks = CandidateSoftmax.compute(joint, b, columns, CLICKS);
          lastLoss = clicks.loss();
          float[] weights = new float[pairs];
          at = 0;
          for (int cell = 0; cell < cells.length; cell++) {
            if (cells[cell] >= 0) {
              weights[at++] = clicks.weights()[cell];
            }
          }
          collector.backward(scores.mul(step.create(weights)).sum());
        }
      }
      adam.step(step);
      return new Candidates(candidates.queries(), candidates.documents(), columns, cells, joint,
          candidates.teacherStep(), candidates.teacherBuckets());
    }
  }

  /**
   * Scores documents for one query, as a re-ranker does, no gradient.
   *
   * @param query the query's embedding by the dense teacher
   * @param queryIds the query's feature ids in the dense teacher's feature space
   * @param documents each document's embedding by the dense teacher
   * @param documentIds each document's feature ids
   * @param scale the dense teacher's scale
   */
  public double[] score(float[] query, int[] queryIds, float[][] documents, List<int[]> documentIds, double scale) {
    int n = documents.length;
    float[] q = new float[n * dim];
    float[] d = new float[n * dim];
    float[] match = new float[n * MATCH_FEATURES];
    for (int k = 0; k < n; k++) {
      System.arraycopy(query, 0, q, k * dim, dim);
      System.arraycopy(documents[k], 0, d, k * dim, dim);
      match(queryIds, documentIds.get(k), match, k);
    }
    try (NDManager step = manager.newSubManager()) {
      List<NDArray> detached = new ArrayList<>();
      for (NDArray p : parameters) {
        NDArray view = p.stopGradient();
        view.attach(step);
        detached.add(view);
      }
      float[] s = forward(step, q, d, match, n, scale, detached).toFloatArray();
      double[] out = new double[n];
      for (int k = 0; k < n; k++) {
        out[k] = s[k];
      }
      return out;
    }
  }

  /** The exact-match features of pair {@code at}: the share of the query's ids the document has, log(1 + count). */
  static void match(int[] queryIds, int[] documentIds, float[] into, int at) {
    int shared = 0;
    for (int id : queryIds) {
      for (int other : documentIds) {
        if (other == id) {
          shared++;
          break;
        }
      }
    }
    into[at * MATCH_FEATURES] = queryIds.length == 0 ? 0 : (float) shared / queryIds.length;
    into[at * MATCH_FEATURES + 1] = (float) Math.log1p(shared);
  }

  private NDArray forward(NDManager step, float[] q, float[] d, float[] match, int n, double scale,
      List<NDArray> p) {
    NDArray queries = step.create(q, new Shape(n, dim));
    NDArray documents = step.create(d, new Shape(n, dim));
    NDArray product = queries.mul(documents);
    NDArray input = NDArrays.concat(new NDList(queries, documents, product,
        step.create(match, new Shape(n, MATCH_FEATURES))), 1);
    NDArray h = Activation.relu(Linear.linear(input, p.get(0), p.get(1)).singletonOrThrow());
    NDArray head = Linear.linear(h, p.get(2), p.get(3)).singletonOrThrow().reshape(n);
    return product.sum(new int[] {1}).mul(Scalars.of(step, (float) scale)).add(head);
  }

  /** The loss on the clicks of the last step, before its update; NaN before the first. */
  public double lastLoss() {
    return lastLoss;
  }

  /** Steps taken. */
  public long steps() {
    return adam.steps();
  }

  /** The width of the embeddings it reads. */
  public int dimension() {
    return dim;
  }

  public int hiddenDim() {
    return hidden;
  }

  /** Parameters of the head. */
  public long parameters() {
    return (3L * dim + MATCH_FEATURES) * hidden + 2L * hidden + 1;
  }

  /** Writes the head and its optimizer state; see the class comment for the format. */
  public void save(Path file, ArrayFile.Durability durability) {
    try (ArrayFile.Writer writer = ArrayFile.create(file, durability)) {
      long steps = adam.steps();
      writer.ints(MAGIC, FORMAT, dim, hidden, (int) (steps >>> 32), (int) steps);
      for (NDArray p : parameters) {
        writer.floats(p.toFloatArray());
      }
      for (int i = 0; i < parameters.size(); i++) {
        writer.floats(adam.firstMoments().get(i).toFloatArray());
        writer.floats(adam.secondMoments().get(i).toFloatArray());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the joint teacher to " + file, e);
    }
  }

  /**
   * Reads a joint teacher written by {@link #save}.
   *
   * @throws IllegalArgumentException if the file is not one, or is damaged
   */
  public static JointTeacher restore(Path file, AdamSettings settings) {
    try (ArrayFile.Reader reader = ArrayFile.open(file)) {
      int[] header = reader.ints(6);
      if (header[0] != MAGIC || header[1] != FORMAT || header[2] < 1 || header[3] < 1) {
        throw new IllegalArgumentException(file + " is not a joint teacher of format " + FORMAT);
      }
      List<Shape> shapes = shapes(header[2], header[3]);
      long floats = 3 * shapes.stream().mapToLong(Shape::size).sum();
      if (reader.size() != 24 + 4 * floats) {
        throw new IllegalArgumentException(file + " has " + reader.size() + " bytes, expected " + (24 + 4 * floats));
      }
      List<float[]> values = read(reader, shapes);
      List<float[]> first = new ArrayList<>();
      List<float[]> second = new ArrayList<>();
      for (Shape shape : shapes) {
        first.add(read(reader, List.of(shape)).get(0));
        second.add(read(reader, List.of(shape)).get(0));
      }
      JointTeacher joint = new JointTeacher(NDManager.newBaseManager(), header[2], header[3], values, settings);
      joint.adam.restore(first, second, ((long) header[4] << 32) | (header[5] & 0xffffffffL));
      return joint;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the joint teacher in " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<float[]> read(ArrayFile.Reader reader, List<Shape> shapes) throws IOException {
    List<float[]> values = new ArrayList<>();
    for (Shape shape : shapes) {
      float[] value = new float[(int) shape.size()];
      reader.floats(value);
      values.add(value);
    }
    return values;
  }

  private static List<Shape> shapes(int dim, int hidden) {
    return List.of(new Shape(hidden, 3L * dim + MATCH_FEATURES), new Shape(hidden), new Shape(1, hidden),
        new Shape(1));
  }

  @Override
  public void close() {
    manager.close();
  }
}
