package dev.dualstream.trainer.model;

import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.optim.AdamSettings;
import dev.dualstream.trainer.optim.DenseAdam;
import dev.dualstream.trainer.optim.LazyRowAdam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer half of a trainer checkpoint, {@code optimizer.f32}; the weights and manifest are
 * those of a model version. Format: seven little-endian ints (magic {@code 0x44534f50} "DSOP",
 * format version 1, table rows, table dim, dense parameter count, dense step count as high and low
 * int), then the table's first moments, second moments (float32) and per-row step counts (int32),
 * then each dense parameter's first and second moments (float32).
 */
final class TrainerCheckpoint {

  static final String OPTIMIZER_FILE = "optimizer.f32";
  private static final int MAGIC = 0x44534f50;
  private static final int FORMAT_VERSION = 1;

  private TrainerCheckpoint() {}

  /** Saved optimizer state, ready to hand to a trainer. */
  record State(LazyRowAdam table, List<float[]> denseFirst, List<float[]> denseSecond,
      long denseSteps) {}

  static void write(Path dir, LazyRowAdam table, DenseAdam dense) throws IOException {
    try (ArrayFile.Writer out = ArrayFile.create(dir.resolve(OPTIMIZER_FILE))) {
      long steps = dense.steps();
      out.ints(MAGIC, FORMAT_VERSION, table.rows(), table.dim(), dense.firstMoments().size(),
          (int) (steps >>> 32), (int) steps);
      out.floats(table.firstMoments()).floats(table.secondMoments()).ints(table.rowSteps());
      for (int i = 0; i < dense.firstMoments().size(); i++) {
        out.floats(dense.firstMoments().get(i).toFloatArray());
        out.floats(dense.secondMoments().get(i).toFloatArray());
      }
    }
  }

  /**
   * Reads the state for a table of {@code rows x dim} and dense parameters of the given sizes.
   *
   * @throws IOException if the file is missing, foreign, truncated or sized for another model
   */
  static State read(Path dir, int rows, int dim, AdamSettings tableSettings, long[] denseSizes)
      throws IOException {
    Path file = dir.resolve(OPTIMIZER_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + " has no " + OPTIMIZER_FILE
          + ": it is a model version without optimizer state, not a trainer checkpoint");
    }
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      int[] header = in.ints(7);
      if (header[0] != MAGIC || header[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not optimizer state of format version " + FORMAT_VERSION);
      }
      if (header[2] != rows || header[3] != dim || header[4] != denseSizes.length) {
        throw new IOException(file + " holds state for another model shape");
      }
      long expected = 28 + 4L * rows * dim * 2 + 4L * rows;
      for (long size : denseSizes) {
        expected += 8 * size;
      }
      if (in.size() != expected) {
        throw new IOException(file + " has " + in.size() + " bytes, expected " + expected);
      }
      float[] m = new float[rows * dim];
      float[] v = new float[rows * dim];
      int[] rowSteps = new int[rows];
      in.floats(m);
      in.floats(v);
      in.ints(rowSteps);
      List<float[]> first = new ArrayList<>();
      List<float[]> second = new ArrayList<>();
      for (long size : denseSizes) {
        float[] a = new float[(int) size];
        float[] b = new float[(int) size];
        in.floats(a);
        in.floats(b);
        first.add(a);
        second.add(b);
      }
      long denseSteps = ((long) header[5] << 32) | (header[6] & 0xffffffffL);
      return new State(new LazyRowAdam(rows, dim, tableSettings, m, v, rowSteps), first, second,
          denseSteps);
    }
  }
}
