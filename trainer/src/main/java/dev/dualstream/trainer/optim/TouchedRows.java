package dev.dualstream.trainer.optim;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The rows of a table changed since the last {@link #drain()}: one bit per row and reader, set by the table's
 * optimizer as it updates a row. What an incremental checkpoint writes (issue: checkpoints that cost what
 * changed): the rows set here, not the whole table. Two readers drain it, each seeing every change once:
 * checkpoints ({@link Reader#CHECKPOINT}, the default) and model versions ({@link Reader#VERSION}), which keep
 * a copy of the table up to date with the rows changed between versions ({@code TableReplica}).
 *
 * <p>{@link #mark} is safe from the threads that update distinct rows at the same time (an atomic OR on
 * the row's word); {@link #drain} must not run while rows are being updated (the trainer calls it between
 * steps). The cost is one bit per row and reader (128 KB at 2^20 rows) and a scan of the words at each drain.
 */
public final class TouchedRows {
  /** Who drains the changed rows. */
  public enum Reader { CHECKPOINT, VERSION }

  private final int rows;
  private final AtomicLongArray[] words;

  public TouchedRows(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be positive, got " + rows);
    }
    this.rows = rows;
    this.words = new AtomicLongArray[Reader.values().length];
    for (int i = 0; i < words.length; i++) {
      words[i] = new AtomicLongArray((rows + 63) >>> 6);
    }
  }

  /** Marks {@code row} as changed, for every reader. */
  public void mark(int row) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rows);
    }
    long bit = 1L << row;
    int word = row >>> 6;
    for (AtomicLongArray reader : words) {
      long current = reader.get(word);
      if ((current & bit) == 0) {
        reader.getAndUpdate(word, w -> w | bit);
      }
    }
  }

  /**
   * Marks each of {@code rows}: a drained set whose checkpoint was not written goes back (for every reader; a
   * row another reader sees again costs it a copy, never a change missed).
   */
  public void mark(int[] rows) {
    for (int row : rows) {
      mark(row);
    }
  }

  /** Rows marked since the last checkpoint's drain. */
  public int count() {
    return count(Reader.CHECKPOINT);
  }

  /** Rows marked since {@code reader}'s last drain. */
  public int count(Reader reader) {
    AtomicLongArray w = words[reader.ordinal()];
    int n = 0;
    for (int i = 0; i < w.length(); i++) {
      n += Long.bitCount(w.get(i));
    }
    return n;
  }

  /** The rows marked since the last checkpoint's drain, in increasing order, and clears them for checkpoints. */
  public int[] drain() {
    return drain(Reader.CHECKPOINT);
  }

  /** The rows marked since {@code reader}'s last drain, in increasing order, and clears them for it. */
  public int[] drain(Reader reader) {
    AtomicLongArray words = this.words[reader.ordinal()];
    int[] out = new int[count(reader)];
    int n = 0;
    for (int i = 0; i < words.length(); i++) {
      long w = words.getAndSet(i, 0);
      while (w != 0) {
        out[n++] = (i << 6) + Long.numberOfTrailingZeros(w);
        w &= w - 1;
      }
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  /** Marks every row: the next drain returns the whole table (after a restore, before the first full snapshot). */
  public void markAll() {
    for (int row = 0; row < rows; row++) {
      mark(row);
    }
  }

  public int rows() {
    return rows;
  }
}
