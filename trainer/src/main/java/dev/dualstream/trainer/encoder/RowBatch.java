package dev.dualstream.trainer.encoder;

import java.util.Arrays;
import java.util.List;

/**
 * The distinct table rows a batch of id sequences touches, and each sequence rewritten as local
 * indices into those rows.
 *
 * <p>Deduplication happens here, in Java, because it is cheap on the heap and slow through the
 * native boundary. Local index {@code i < size()} stands for table row {@code rows()[i]}; local
 * index {@link #padding()} (= {@code size()}) stands for a zero row appended after them, which pads
 * short sequences. Ids are expected in {@code 1..buckets}; id 0 (padding) is skipped.
 */
public final class RowBatch {

  private final int[] rows;
  private final int size;
  private final int[][] local;
  private final int[] occurrenceOffsets;
  private final int[] occurrenceSequences;

  private RowBatch(int[] rows, int size, int[][] local) {
    this.rows = rows;
    this.size = size;
    this.local = local;
    this.occurrenceOffsets = new int[size + 1];
    for (int[] ids : local) {
      for (int id : ids) {
        occurrenceOffsets[id + 1]++;
      }
    }
    for (int r = 0; r < size; r++) {
      occurrenceOffsets[r + 1] += occurrenceOffsets[r];
    }
    this.occurrenceSequences = new int[occurrenceOffsets[size]];
    int[] fill = Arrays.copyOf(occurrenceOffsets, size);
    for (int s = 0; s < local.length; s++) {
      for (int id : local[s]) {
        occurrenceSequences[fill[id]++] = s;
      }
    }
  }

  /** Deduplicates the rows of the given id sequences, in first-seen order. */
  public static RowBatch of(List<int[]> sequences) {
    int total = 0;
    for (int[] ids : sequences) {
      total += ids.length;
    }
    IntIndex index = new IntIndex(total);
    int[][] local = new int[sequences.size()][];
    for (int s = 0; s < sequences.size(); s++) {
      int[] ids = sequences.get(s);
      int[] mapped = new int[ids.length];
      int n = 0;
      for (int id : ids) {
        if (id != 0) {
          mapped[n++] = index.indexOf(id);
        }
      }
      local[s] = n == ids.length ? mapped : Arrays.copyOf(mapped, n);
    }
    return new RowBatch(index.keys(), index.size(), local);
  }

  /** Number of distinct rows. */
  public int size() {
    return size;
  }

  /** Distinct table rows; entries past {@link #size()} are unused. */
  public int[] rows() {
    return rows;
  }

  /** The local index of the zero padding row. */
  public int padding() {
    return size;
  }

  public int sequences() {
    return local.length;
  }

  /** Local indices of sequence {@code s}, without padding. */
  public int[] local(int s) {
    return local[s];
  }

  /**
   * Where each row occurs, the transpose of {@link #local}: the occurrences of local row {@code r}
   * are {@code occurrenceSequences()[occurrenceOffsets()[r] .. occurrenceOffsets()[r + 1])}, each
   * the number of a sequence, in ascending order, repeated if the sequence holds the row more than
   * once. The gradient of a row is a sum over its occurrences, so rows can be updated
   * independently, in parallel, without locks.
   */
  public int[] occurrenceOffsets() {
    return occurrenceOffsets;
  }

  /** See {@link #occurrenceOffsets()}. */
  public int[] occurrenceSequences() {
    return occurrenceSequences;
  }

  /**
   * Local indices of sequences {@code from..to-1} as a row-major {@code (to - from) x width}
   * matrix, padded with {@link #padding()}, where width is the longest of them (at least 1).
   */
  public long[] paddedIndices(int from, int to) {
    int width = width(from, to);
    long[] out = new long[(to - from) * width];
    Arrays.fill(out, padding());
    for (int s = from; s < to; s++) {
      int[] ids = local[s];
      int base = (s - from) * width;
      for (int j = 0; j < ids.length; j++) {
        out[base + j] = ids[j];
      }
    }
    return out;
  }

  /** The width of {@link #paddedIndices(int, int)}. */
  public int width(int from, int to) {
    int width = 1;
    for (int s = from; s < to; s++) {
      width = Math.max(width, local[s].length);
    }
    return width;
  }

  /** {@code 1 / length} of each sequence in {@code from..to-1}, or 1 for an empty one. */
  public float[] inverseLengths(int from, int to) {
    float[] out = new float[to - from];
    for (int s = from; s < to; s++) {
      out[s - from] = 1f / Math.max(1, local[s].length);
    }
    return out;
  }

  /**
   * Open-addressing map from id to first-seen position, keys and positions interleaved in one array
   * so that a probe touches one cache line. It starts small and doubles at half load, so that its
   * size follows the distinct ids (a few thousand per batch), not the total: a table that fits in
   * the core's cache is most of the speed. Ids are positive; 0 marks a free slot.
   */
  private static final class IntIndex {
    private static final int INITIAL_CAPACITY = 1 << 12;

    private int[] slots;
    private int[] keys;
    private int mask;
    private int size;

    IntIndex(int expected) {
      slots = new int[2 * INITIAL_CAPACITY];
      keys = new int[Math.max(1, expected)];
      mask = INITIAL_CAPACITY - 1;
    }

    int indexOf(int id) {
      int slot = mix(id) & mask;
      while (slots[2 * slot] != 0) {
        if (slots[2 * slot] == id) {
          return slots[2 * slot + 1];
        }
        slot = (slot + 1) & mask;
      }
      if (2 * (size + 1) > mask + 1) {
        grow();
        return indexOf(id);
      }
      slots[2 * slot] = id;
      slots[2 * slot + 1] = size;
      keys[size] = id;
      return size++;
    }

    private void grow() {
      int[] old = slots;
      slots = new int[2 * old.length];
      mask = old.length - 1;
      for (int i = 0; i < old.length; i += 2) {
        if (old[i] != 0) {
          int slot = mix(old[i]) & mask;
          while (slots[2 * slot] != 0) {
            slot = (slot + 1) & mask;
          }
          slots[2 * slot] = old[i];
          slots[2 * slot + 1] = old[i + 1];
        }
      }
    }

    int size() {
      return size;
    }

    int[] keys() {
      return keys;
    }

    private static int mix(int x) {
      int h = x * 0x9e3779b9;
      return h ^ (h >>> 16);
    }
  }
}
