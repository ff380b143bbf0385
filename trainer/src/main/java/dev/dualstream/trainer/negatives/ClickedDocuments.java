package dev.dualstream.trainer.negatives;

import java.util.Arrays;

/**
 * The documents each query's users clicked, so that none of them is drawn as a negative for that
 * query: a click is evidence that the document is relevant to it, and when a later click of the
 * same query lands on another document (a second relevant one, or a wrong click) the earlier one
 * would otherwise be the hardest, and most wrong, negative of the step. A large cache holds such
 * documents almost always, a small one rarely, so without this the cache is penalised for its size.
 *
 * <p>Memory is bounded and flat: a direct-mapped table of {@code slots} queries (a query's slot is
 * its key modulo the table size), each remembering its {@link #PER_QUERY} most recent distinct
 * clicked documents. A query whose slot another query holds takes the slot over, forgetting the
 * other's clicks: the memory forgets, it never confuses two queries. Not thread-safe.
 */
final class ClickedDocuments {
  /** Distinct clicked documents remembered per query, the newest kept. */
  static final int PER_QUERY = 4;

  private final int slots;
  private final long[] queryKeys;
  private final long[] docKeys;
  private final byte[] counts;

  ClickedDocuments(int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1, got " + slots);
    }
    this.slots = slots;
    queryKeys = new long[slots];
    docKeys = new long[slots * PER_QUERY];
    counts = new byte[slots];
  }

  int slots() {
    return slots;
  }

  /** Remembers that a user of {@code queryKey} clicked {@code docKey}. */
  void add(long queryKey, long docKey) {
    int slot = slot(queryKey);
    int base = slot * PER_QUERY;
    int count = counts[slot];
    if (count > 0 && queryKeys[slot] != queryKey) {
      count = 0;
    }
    queryKeys[slot] = queryKey;
    for (int d = 0; d < count; d++) {
      if (docKeys[base + d] == docKey) {
        counts[slot] = (byte) count;
        return;
      }
    }
    if (count == PER_QUERY) {
      System.arraycopy(docKeys, base + 1, docKeys, base, PER_QUERY - 1);
      count--;
    }
    docKeys[base + count] = docKey;
    counts[slot] = (byte) (count + 1);
  }

  /** The documents remembered for {@code queryKey}, oldest first (empty if none). */
  long[] clicked(long queryKey) {
    int slot = slot(queryKey);
    if (counts[slot] == 0 || queryKeys[slot] != queryKey) {
      return new long[0];
    }
    int base = slot * PER_QUERY;
    return Arrays.copyOfRange(docKeys, base, base + counts[slot]);
  }

  /** Queries remembered now. */
  int size() {
    int used = 0;
    for (byte c : counts) {
      used += c > 0 ? 1 : 0;
    }
    return used;
  }

  private int slot(long queryKey) {
    return (int) Math.floorMod(queryKey, (long) slots);
  }

  // For the state codec: the occupied slots in increasing order, with their contents.

  long queryKey(int slot) {
    return queryKeys[slot];
  }

  int count(int slot) {
    return counts[slot];
  }

  long docKey(int slot, int d) {
    return docKeys[slot * PER_QUERY + d];
  }

  /**
   * Replaces the contents: {@code used[k]} is a slot, {@code keys[k]} the query there and
   * {@code docs[k]} its clicked documents, oldest first.
   */
  void restore(int[] used, long[] keys, long[][] docs) {
    Arrays.fill(counts, (byte) 0);
    Arrays.fill(queryKeys, 0);
    Arrays.fill(docKeys, 0);
    for (int k = 0; k < used.length; k++) {
      int slot = used[k];
      queryKeys[slot] = keys[k];
      System.arraycopy(docs[k], 0, docKeys, slot * PER_QUERY, docs[k].length);
      counts[slot] = (byte) docs[k].length;
    }
  }
}
