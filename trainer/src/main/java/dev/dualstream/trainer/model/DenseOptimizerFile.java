package dev.dualstream.trainer.model;

import ai.djl.ndarray.NDArray;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.optim.DenseAdam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dense parameters' Adam state alone, {@code dense-optimizer.f32}: what an incremental checkpoint holds
 * of the optimizer besides its {@link dev.dualstream.trainer.checkpoint.TableDelta} (a full checkpoint keeps
 * it in {@code optimizer.f32} with the table's state). Format: five little-endian ints (magic {@code
 * 0x44534441} "DSDA", format version 1, parameter count, step count as high and low int), then per
 * parameter its size (int) and first and second moments (float32).
 */
final class DenseOptimizerFile {
  static final String FILE = "dense-optimizer.f32";
  private static final int MAGIC = 0x44534441;
  private static final int FORMAT_VERSION = 1;

  private DenseOptimizerFile() {}

  static void write(Path dir, DenseAdam adam, ArrayFile.Durability durability) throws IOException {
    List<NDArray> first = adam.firstMoments();
    List<NDArray> second = adam.secondMoments();
    long steps = adam.steps();
    try (ArrayFile.Writer out = ArrayFile.create(dir.resolve(FILE), durability)) {
      out.ints(MAGIC, FORMAT_VERSION, first.size(), (int) (steps >>> 32), (int) steps);
      for (int i = 0; i < first.size(); i++) {
        out.ints((int) first.get(i).size()).floats(first.get(i).toFloatArray()).floats(second.get(i).toFloatArray());
      }
    }
  }

  /** Reads the state back for parameters of {@code sizes}; restores it into {@code adam}. */
  static void restore(Path dir, DenseAdam adam, long[] sizes) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + " has no " + FILE + ": not an incremental trainer checkpoint");
    }
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      int[] h = in.ints(5);
      if (h[0] != MAGIC || h[1] != FORMAT_VERSION) {
        throw new IOException(file + " is not dense optimizer state of format version " + FORMAT_VERSION);
      }
      if (h[2] != sizes.length) {
        throw new IOException(file + " holds " + h[2] + " parameters, the model has " + sizes.length);
      }
      long expected = 20;
      for (long size : sizes) {
        expected += 4 + 8 * size;
      }
      if (in.size() != expected) {
        throw new IOException(file + " has " + in.size() + " bytes, expected " + expected);
      }
      List<float[]> first = new ArrayList<>();
      List<float[]> second = new ArrayList<>();
      for (long size : sizes) {
        if (in.ints(1)[0] != size) {
          throw new IOException(file + " holds a parameter of another size than the model's " + size);
        }
        float[] a = new float[(int) size];
        float[] b = new float[(int) size];
        in.floats(a);
        in.floats(b);
        first.add(a);
        second.add(b);
      }
      adam.restore(first, second, ((long) h[3] << 32) | (h[4] & 0xffffffffL));
    }
  }
}
