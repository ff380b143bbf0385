package dev.dualstream.trainer.optim;

import dev.dualstream.trainer.encoder.ArrayFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The rows of an embedding table that changed since a previous snapshot, with their optimizer state: what
 * an incremental checkpoint holds of the table instead of all of it. Applied in order over the snapshot it
 * extends, a chain of deltas gives back the table and optimizer exactly.
 *
 * <p>{@link #capture} copies the rows out of the live arrays (cost proportional to the rows, not the
 * table), so that the copy can be written while training goes on: the delta holds the state at the moment
 * of capture, whatever the trainer does afterwards.
 *
 * <p>File format: eight little-endian ints (magic {@code 0x44535444} "DSTD", format version 1, table
 * optimizer kind (0 Adam, 1 Adagrad), table rows, dim, row count, 0, 0), the row numbers (int32,
 * increasing), their weights (float32, row-major), then for Adam the rows' first and second moments
 * (float32) and step counts (int32), for Adagrad their accumulated squared gradients (float32).
 *
 * @param rows the table's rows (its buckets plus the padding row)
 * @param ids the changed rows, increasing
 * @param weights their weights, {@code ids.length x dim} (the arrays may be longer, when {@link Buffers} are
 *     reused: only that much of each is the delta)
 * @param first Adam's first moments or Adagrad's sums of the rows, {@code ids.length x dim}
 * @param second Adam's second moments of the rows; empty for Adagrad
 * @param steps Adam's per-row step counts; empty for Adagrad
 */
public record TableDelta(TableOptimizer.Kind kind, int rows, int dim, int[] ids, float[] weights, float[] first,
    float[] second, int[] steps) {
  private static final int MAGIC = 0x44535444;
  private static final int FORMAT_VERSION = 1;
  private static final int HEADER_BYTES = 32;

  /** Copies rows {@code ids} (increasing) of the table and its optimizer's state. */
  public static TableDelta capture(float[] table, TableOptimizer optimizer, int[] ids) {
    return capture(table, optimizer, ids, new Buffers());
  }

  /**
   * As {@link #capture(float[], TableOptimizer, int[])}, into {@code buffers}, grown as needed: a trainer that
   * checkpoints every minute copies its changed rows into the same arrays each time instead of allocating some
   * hundred MB (which the garbage collector then has to find). The delta is valid until the buffers are used
   * again.
   */
  public static TableDelta capture(float[] table, TableOptimizer optimizer, int[] ids, Buffers buffers) {
    int dim = optimizer.dim();
    if ((long) table.length != (long) optimizer.rows() * dim) {
      throw new IllegalArgumentException("the table does not match its optimizer's " + optimizer.rows() + " x " + dim);
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= optimizer.rows() || (i > 0 && ids[i] <= ids[i - 1])) {
        throw new IllegalArgumentException("row ids must be increasing and within the table, got " + ids[i]);
      }
    }
    int n = ids.length * dim;
    float[] weights = gather(table, ids, dim, buffers.weights = Buffers.atLeast(buffers.weights, n));
    if (optimizer instanceof LazyRowAdam adam) {
      return new TableDelta(TableOptimizer.Kind.ADAM, adam.rows(), dim, ids.clone(), weights,
          gather(adam.firstMoments(), ids, dim, buffers.first = Buffers.atLeast(buffers.first, n)),
          gather(adam.secondMoments(), ids, dim, buffers.second = Buffers.atLeast(buffers.second, n)),
          gatherSteps(adam.rowSteps(), ids));
    }
    LazyRowAdagrad adagrad = (LazyRowAdagrad) optimizer;
    return new TableDelta(TableOptimizer.Kind.ADAGRAD, adagrad.rows(), dim, ids.clone(), weights,
        gather(adagrad.sums(), ids, dim, buffers.first = Buffers.atLeast(buffers.first, n)), new float[0],
        new int[0]);
  }

  /** Arrays that deltas are captured into, one capture after another (see {@link #capture}); not thread-safe. */
  public static final class Buffers {
    private float[] weights = new float[0];
    private float[] first = new float[0];
    private float[] second = new float[0];

    /** {@code current} if it holds {@code n} values, else a new array (with room to spare when it grows one). */
    private static float[] atLeast(float[] current, int n) {
      return current.length >= n ? current : new float[current.length == 0 ? n : n + n / 8];
    }
  }

  /** Writes the rows back into the table and the optimizer's state. */
  public void applyTo(float[] table, TableOptimizer optimizer) {
    if (optimizer.kind() != kind || optimizer.rows() != rows || optimizer.dim() != dim
        || (long) table.length != (long) rows * dim) {
      throw new IllegalArgumentException("a delta of a " + rows + " x " + dim + " " + kind + " table does not fit a "
          + optimizer.rows() + " x " + optimizer.dim() + " " + optimizer.kind() + " one");
    }
    scatter(weights, table, ids, dim);
    if (optimizer instanceof LazyRowAdam adam) {
      scatter(first, adam.firstMoments(), ids, dim);
      scatter(second, adam.secondMoments(), ids, dim);
      for (int i = 0; i < ids.length; i++) {
        adam.rowSteps()[ids[i]] = steps[i];
      }
    } else {
      scatter(first, ((LazyRowAdagrad) optimizer).sums(), ids, dim);
    }
  }

  /** The bytes {@link #write} writes. */
  public long bytes() {
    long floatsPerRow = kind == TableOptimizer.Kind.ADAM ? 3L * dim : 2L * dim;
    return HEADER_BYTES + 4L * ids.length * (1 + floatsPerRow + (kind == TableOptimizer.Kind.ADAM ? 1 : 0));
  }

  /** Writes the delta to {@code file}; see the class comment for the format. */
  public void write(Path file, ArrayFile.Durability durability) throws IOException {
    try (ArrayFile.Writer out = ArrayFile.create(file, durability)) {
      int n = ids.length * dim;
      out.ints(MAGIC, FORMAT_VERSION, code(kind), rows, dim, ids.length, 0, 0).ints(ids).floats(weights, n)
          .floats(first, n);
      if (kind == TableOptimizer.Kind.ADAM) {
        out.floats(second, n).ints(steps);
      }
    }
  }

  /**
   * Reads a delta written by {@link #write}.
   *
   * @throws IOException if the file is foreign, truncated or inconsistent
   */
  public static TableDelta read(Path file) throws IOException {
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      int[] h = in.ints(8);
      if (h[0] != MAGIC || h[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not a table delta of format version " + FORMAT_VERSION);
      }
      if (h[2] != 0 && h[2] != 1) {
        throw new IOException(file + " names an unknown table optimizer (" + h[2] + ")");
      }
      TableOptimizer.Kind kind = h[2] == 0 ? TableOptimizer.Kind.ADAM : TableOptimizer.Kind.ADAGRAD;
      int rows = h[3];
      int dim = h[4];
      int count = h[5];
      if (rows < 1 || dim < 1 || count < 0 || count > rows) {
        throw new IOException(file + " declares " + count + " rows of a " + rows + " x " + dim + " table");
      }
      TableDelta shape = new TableDelta(kind, rows, dim, new int[count], new float[0], new float[0], new float[0],
          new int[0]);
      if (in.size() != shape.bytes()) {
        throw new IOException(file + " has " + in.size() + " bytes, expected " + shape.bytes());
      }
      int[] ids = new int[count];
      in.ints(ids);
      for (int i = 0; i < count; i++) {
        if (ids[i] < 0 || ids[i] >= rows || (i > 0 && ids[i] <= ids[i - 1])) {
          throw new IOException(file + " lists row " + ids[i] + " out of order or outside the table");
        }
      }
      float[] weights = new float[count * dim];
      float[] first = new float[count * dim];
      in.floats(weights);
      in.floats(first);
      float[] second = new float[0];
      int[] steps = new int[0];
      if (kind == TableOptimizer.Kind.ADAM) {
        second = new float[count * dim];
        steps = new int[count];
        in.floats(second);
        in.ints(steps);
      }
      return new TableDelta(kind, rows, dim, ids, weights, first, second, steps);
    }
  }

  /** Rows per part of a parallel copy; fewer rows are copied on the calling thread. */
  private static final int PARALLEL_ROWS = 16_384;

  /**
   * Copies rows {@code ids} of {@code from} into {@code out}. A copy of many rows is bound by memory latency
   * (rows scattered over a table of hundreds of MB), not bandwidth, so it is split over the common pool's
   * threads and the caller's: at a checkpoint's barrier the training thread waits for it, and the cores are
   * otherwise idle.
   */
  private static float[] gather(float[] from, int[] ids, int dim, float[] out) {
    int parts = (ids.length + PARALLEL_ROWS - 1) / PARALLEL_ROWS;
    java.util.stream.IntStream stream = java.util.stream.IntStream.range(0, parts);
    (parts > 1 ? stream.parallel() : stream).forEach(part -> {
      int end = Math.min(ids.length, (part + 1) * PARALLEL_ROWS);
      for (int i = part * PARALLEL_ROWS; i < end; i++) {
        System.arraycopy(from, ids[i] * dim, out, i * dim, dim);
      }
    });
    return out;
  }

  private static int[] gatherSteps(int[] from, int[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = from[ids[i]];
    }
    return out;
  }

  private static void scatter(float[] from, float[] into, int[] ids, int dim) {
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(from, i * dim, into, ids[i] * dim, dim);
    }
  }

  private static int code(TableOptimizer.Kind kind) {
    return kind == TableOptimizer.Kind.ADAM ? 0 : 1;
  }
}
