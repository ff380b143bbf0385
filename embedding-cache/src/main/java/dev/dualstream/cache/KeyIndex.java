package dev.dualstream.cache;

import java.util.Arrays;

/**
 * Document key to slot, so that re-inserting a document updates its entry instead of caching it twice, and so
 * that a query's positive can be excluded by slot. Open addressing with linear probing over an {@code int[]} that
 * holds {@code slot + 1} (0 = empty); keys are read from the slot store's key array, so the index costs 4 bytes per
 * table cell and no boxing. The table is a power of two at least twice the capacity (load factor at most 1/2);
 * deletion shifts entries back instead of leaving tombstones, so probe lengths never degrade.
 */
final class KeyIndex {
  private final long[] keys;
  private final int[] table;
  private final int mask;

  KeyIndex(long[] keys, int capacity) {
    this.keys = keys;
    this.table = new int[tableSize(capacity)];
    this.mask = table.length - 1;
  }

  /** The smallest power of two at least {@code 2 * capacity} (capacity is at most 2^28, so this fits). */
  static int tableSize(int capacity) {
    int cells = 2 * Math.max(1, capacity);
    return Integer.highestOneBit(cells - 1) << 1;
  }

  static long allocatedBytes(int capacity) {
    return MemoryPlan.arrayBytes(tableSize(capacity), Integer.BYTES);
  }

  long allocatedBytes() {
    return MemoryPlan.arrayBytes(table.length, Integer.BYTES);
  }

  /** The slot holding {@code key}, or -1. */
  int find(long key) {
    for (int i = home(key); ; i = (i + 1) & mask) {
      int cell = table[i];
      if (cell == 0) {
        return -1;
      }
      if (keys[cell - 1] == key) {
        return cell - 1;
      }
    }
  }

  /** Adds {@code keys[slot]}, which must not be present. */
  void put(int slot) {
    int i = home(keys[slot]);
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = slot + 1;
  }

  /** Removes {@code keys[slot]}, which must be present at that slot. */
  void remove(int slot) {
    int i = home(keys[slot]);
    while (table[i] != slot + 1) {
      i = (i + 1) & mask;
    }
    table[i] = 0;
    // Backward-shift: move later members of the probe run into the hole when their home allows it.
    for (int j = (i + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      int h = home(keys[table[j] - 1]);
      boolean movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
      if (movable) {
        table[i] = table[j];
        table[j] = 0;
        i = j;
      }
    }
  }

  void clear() {
    Arrays.fill(table, 0);
  }

  private int home(long key) {
    long h = SplitMix64.mix64(key);
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
