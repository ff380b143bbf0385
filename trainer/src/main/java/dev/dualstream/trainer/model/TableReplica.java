package dev.dualstream.trainer.model;

import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.encoder.EmbeddingTable;
import dev.dualstream.trainer.optim.TouchedRows;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A copy of an embedding table that model versions are written from, kept in step with the live table by the
 * rows changed between versions: the training thread copies only those rows ({@link #capture}), and the
 * thread that writes the version applies them to the copy and writes it whole. The first capture copies the
 * whole table. Without it every version copied the table on the training thread (1 GB at 2^22 buckets), which
 * stalled training and the garbage collector.
 *
 * <p>{@link #capture} runs on the training thread, {@link Capture#writeTo} on one writing thread, in the order
 * of the captures; a failed write leaves the copy unusable, and the task that owns it is failed over.
 */
public final class TableReplica {
  /** Whether a whole copy was captured; on the training thread. */
  private boolean seeded;
  /** The copy; on the writing thread. */
  private EmbeddingTable copy;

  /**
   * Captures what the next version needs of {@code table}: every row the first time, then the rows {@code
   * touched} since the previous capture ({@link TouchedRows.Reader#VERSION}).
   */
  public Capture capture(EmbeddingTable table, TouchedRows touched) {
    int[] ids = touched.drain(TouchedRows.Reader.VERSION);
    if (!seeded) {
      seeded = true;
      EmbeddingTable whole = table.copy();
      return new Capture(whole.buckets() + 1, 4L * whole.weights().length, file -> {
        copy = whole;
        copy.write(file, ArrayFile.Durability.SYNCED);
      });
    }
    int dim = table.dim();
    float[] values = new float[ids.length * dim];
    table.gather(ids, ids.length, values);
    return new Capture(ids.length, 4L * values.length, file -> {
      if (copy == null) {
        throw new IOException("the table's copy was never written; a version before this one failed");
      }
      float[] into = copy.weights();
      for (int i = 0; i < ids.length; i++) {
        System.arraycopy(values, i * dim, into, ids[i] * dim, dim);
      }
      copy.write(file, ArrayFile.Durability.SYNCED);
    });
  }

  /**
   * The rows of one version, copied out of the live table.
   *
   * @param rows rows copied
   * @param bytes bytes copied
   * @param writer applies them to the copy and writes it to a file
   */
  public record Capture(int rows, long bytes, Writer writer) {
    /** Applies the rows to the copy and writes it to {@code file}; on the writing thread, in capture order. */
    public void writeTo(Path file) throws IOException {
      writer.write(file);
    }
  }

  /** Writes the copy to a file. */
  @FunctionalInterface
  public interface Writer {
    void write(Path file) throws IOException;
  }
}
