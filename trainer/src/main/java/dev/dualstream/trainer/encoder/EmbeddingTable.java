package dev.dualstream.trainer.encoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The embedding table of hashed feature ids, as one flat row-major {@code float[]} of {@code
 * (buckets + 1) x dim}. Row 0 is padding: it stays zero and is never trained.
 *
 * <p>Why Java storage and not a DJL parameter: a batch touches a few thousand of about a million
 * rows, so the trainer gathers those rows into a small DJL array, backpropagates into it, and
 * writes the update back with {@link dev.dualstream.trainer.optim.LazyRowAdam}; the native side
 * never holds or copies the full table.
 *
 * <p>File format: four little-endian ints (magic {@code 0x44534554} "DSET", format version 1,
 * buckets, dim), then the rows as little-endian float32, row 0 included. Not thread-safe while
 * being trained; reads during training see rows being updated.
 */
public final class EmbeddingTable {

  static final int MAGIC = 0x44534554;
  static final int FORMAT_VERSION = 1;

  private final int buckets;
  private final int dim;
  private final float[] weights;

  private EmbeddingTable(int buckets, int dim, float[] weights) {
    this.buckets = buckets;
    this.dim = dim;
    this.weights = weights;
  }

  /**
   * A table with rows drawn uniformly from {@code [-initScale, initScale]} by a {@link
   * SplittableRandom} with the given seed (the same on every JVM), row 0 zero.
   */
  public static EmbeddingTable random(int buckets, int dim, float initScale, long seed) {
    float[] weights = new float[size(buckets, dim)];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = dim; i < weights.length; i++) {
      weights[i] = (float) ((2 * random.nextDouble() - 1) * initScale);
    }
    return new EmbeddingTable(buckets, dim, weights);
  }

  /** Reads a table written by {@link #write(Path)}. */
  public static EmbeddingTable read(Path file) throws IOException {
    try (ArrayFile.Reader reader = ArrayFile.open(file)) {
      int[] header = reader.ints(4);
      if (header[0] != MAGIC || header[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not an embedding table of format version "
            + FORMAT_VERSION);
      }
      int buckets = header[2];
      int dim = header[3];
      if (buckets < 1 || dim < 1 || (long) (buckets + 1L) * dim > Integer.MAX_VALUE - 8) {
        throw new IOException(file + " declares a table of " + buckets + " buckets x " + dim
            + ", which does not fit one Java array");
      }
      long expected = 16L + 4L * size(buckets, dim);
      if (reader.size() != expected) {
        throw new IOException(file + " has " + reader.size() + " bytes, expected " + expected
            + " for " + buckets + " buckets x " + dim);
      }
      float[] weights = new float[size(buckets, dim)];
      reader.floats(weights);
      return new EmbeddingTable(buckets, dim, weights);
    }
  }

  /** A copy of the table, which training this one leaves alone. */
  public EmbeddingTable copy() {
    return new EmbeddingTable(buckets, dim, weights.clone());
  }

  /** Writes the table to disk; see the class comment for the format. */
  public void write(Path file) throws IOException {
    write(file, ArrayFile.Durability.SYNCED);
  }

  /** Writes the table; see the class comment for the format. */
  public void write(Path file, ArrayFile.Durability durability) throws IOException {
    try (ArrayFile.Writer out = ArrayFile.create(file, durability)) {
      out.ints(MAGIC, FORMAT_VERSION, buckets, dim).floats(weights);
    }
  }

  /** Copies the given rows, in order, into {@code out} starting at row 0 of {@code out}. */
  public void gather(int[] rows, int count, float[] out) {
    for (int i = 0; i < count; i++) {
      System.arraycopy(weights, rows[i] * dim, out, i * dim, dim);
    }
  }

  /** One row, copied. */
  public float[] row(int id) {
    float[] row = new float[dim];
    System.arraycopy(weights, id * dim, row, 0, dim);
    return row;
  }

  public int buckets() {
    return buckets;
  }

  public int dim() {
    return dim;
  }

  /** The live weights, row-major, for the optimizer to update in place. */
  public float[] weights() {
    return weights;
  }

  private static int size(int buckets, int dim) {
    long size = (long) (buckets + 1) * dim;
    if (buckets < 1 || dim < 1 || size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a table of " + buckets + " buckets x " + dim + " does not fit one Java array");
    }
    return (int) size;
  }
}
