package dev.dualstream.trainer.model;

import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.optim.DenseAdam;
import dev.dualstream.trainer.optim.LazyRowAdagrad;
import dev.dualstream.trainer.optim.LazyRowAdam;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer half of a trainer checkpoint, {@code optimizer.f32}; the weights and manifest are
 * those of a model version. Format version 2: eight little-endian ints (magic {@code 0x44534f50}
 * "DSOP", format version 2, table optimizer kind (0 Adam, 1 Adagrad), table rows, table dim, dense
 * parameter count, dense step count as high and low int), then the table optimizer's state, then
 * each dense parameter's first and second moments (float32). The table state is, for Adam, first
 * moments, second moments (float32) and per-row step counts (int32); for Adagrad, the accumulated
 * squared gradients (float32).
 *
 * <p>Version 1, written before the table optimizer was a choice, is version 2 without the kind
 * field, always Adam; it is still read.
 */
final class TrainerCheckpoint {

  static final String OPTIMIZER_FILE = "optimizer.f32";
  private static final int MAGIC = 0x44534f50;
  private static final int FORMAT_VERSION = 2;
  private static final int ADAM = 0;
  private static final int ADAGRAD = 1;

  private TrainerCheckpoint() {}

  /** Saved optimizer state, ready to hand to a trainer. */
  record State(TableOptimizer table, List<float[]> denseFirst, List<float[]> denseSecond,
      long denseSteps) {}

  static void write(Path dir, TableOptimizer table, DenseAdam dense, ArrayFile.Durability durability)
      throws IOException {
    try (ArrayFile.Writer out = ArrayFile.create(dir.resolve(OPTIMIZER_FILE), durability)) {
      long steps = dense.steps();
      out.ints(MAGIC, FORMAT_VERSION, code(table.kind()), table.rows(), table.dim(),
          dense.firstMoments().size(), (int) (steps >>> 32), (int) steps);
      if (table instanceof LazyRowAdam adam) {
        out.floats(adam.firstMoments()).floats(adam.secondMoments()).ints(adam.rowSteps());
      } else if (table instanceof LazyRowAdagrad adagrad) {
        out.floats(adagrad.sums());
      }
      for (int i = 0; i < dense.firstMoments().size(); i++) {
        out.floats(dense.firstMoments().get(i).toFloatArray());
        out.floats(dense.secondMoments().get(i).toFloatArray());
      }
    }
  }

  /**
   * Reads the state for the table and dense parameters of the given configuration.
   *
   * @param denseSizes the size of each dense parameter, in order
   * @throws IOException if the file is missing, foreign, truncated, sized for another model or
   *     written by another table optimizer than the configuration names
   */
  static State read(Path dir, ModelConfig config, long[] denseSizes) throws IOException {
    Path file = dir.resolve(OPTIMIZER_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + " has no " + OPTIMIZER_FILE
          + ": it is a model version without optimizer state, not a trainer checkpoint");
    }
    int rows = config.buckets() + 1;
    int dim = config.embeddingDim();
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      int[] start = in.ints(2);
      if (start[0] != MAGIC || start[1] < 1 || start[1] > FORMAT_VERSION) {
        throw new IOException(file + " is not optimizer state of format version 1 to "
            + FORMAT_VERSION);
      }
      int kind = start[1] == 1 ? ADAM : in.ints(1)[0];
      int headerBytes = start[1] == 1 ? 28 : 32;
      int[] header = in.ints(5);
      if (kind != ADAM && kind != ADAGRAD) {
        throw new IOException(file + " names an unknown table optimizer (" + kind + ")");
      }
      if (kind != code(config.tableOptimizer())) {
        throw new IOException(file + " holds " + (kind == ADAM ? "Adam" : "Adagrad")
            + " state but the model config's table optimizer is " + config.tableOptimizer());
      }
      if (header[0] != rows || header[1] != dim || header[2] != denseSizes.length) {
        throw new IOException(file + " holds state for another model shape");
      }
      long tableBytes = kind == ADAM ? 4L * rows * dim * 2 + 4L * rows : 4L * rows * dim;
      long expected = headerBytes + tableBytes;
      for (long size : denseSizes) {
        expected += 8 * size;
      }
      if (in.size() != expected) {
        throw new IOException(file + " has " + in.size() + " bytes, expected " + expected);
      }
      TableOptimizer table = kind == ADAM ? readAdam(in, config) : readAdagrad(in, config);
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
      long denseSteps = ((long) header[3] << 32) | (header[4] & 0xffffffffL);
      return new State(table, first, second, denseSteps);
    }
  }

  private static LazyRowAdam readAdam(ArrayFile.Reader in, ModelConfig config) throws IOException {
    int rows = config.buckets() + 1;
    float[] m = new float[rows * config.embeddingDim()];
    float[] v = new float[m.length];
    int[] rowSteps = new int[rows];
    in.floats(m);
    in.floats(v);
    in.ints(rowSteps);
    return new LazyRowAdam(rows, config.embeddingDim(), config.tableAdam(), m, v, rowSteps);
  }

  private static LazyRowAdagrad readAdagrad(ArrayFile.Reader in, ModelConfig config)
      throws IOException {
    int rows = config.buckets() + 1;
    float[] sums = new float[rows * config.embeddingDim()];
    in.floats(sums);
    return new LazyRowAdagrad(rows, config.embeddingDim(), config.tableAdagrad(), sums);
  }

  private static int code(TableOptimizer.Kind kind) {
    return switch (kind) {
      case ADAM -> ADAM;
      case ADAGRAD -> ADAGRAD;
    };
  }
}
