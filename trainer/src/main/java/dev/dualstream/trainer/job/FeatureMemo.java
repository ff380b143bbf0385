package dev.dualstream.trainer.job;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Feature ids of recently seen texts, so that a text seen again is not featurized again. Click logs
 * repeat themselves: popular documents are clicked over and over, and popular queries are asked
 * over and over, while featurizing a document (character trigrams of its leading words, each
 * murmur-hashed) is the largest cost of decoding an example.
 *
 * <p>Keyed by the text itself, not by a document's id and version, so a hit returns exactly what
 * featurizing the text would: a producer that reuses a version for new text cannot make it stale.
 * Bounded by an estimate of the heap it holds (the key's characters, the ids and the map's
 * overhead); the least recently used entries leave first. Returned arrays are shared between hits:
 * callers must not modify them. Not thread-safe: one per decoding subtask.
 */
final class FeatureMemo {

  /** Map entry, key object and array headers, per entry: a rough figure for a 64-bit JVM. */
  private static final long ENTRY_OVERHEAD_BYTES = 120;
  private static final long STRING_OVERHEAD_BYTES = 40;

  /** A document's key: featurization reads title and text, nothing else. */
  private record DocumentKey(String title, String text) {}

  private final long maxBytes;
  private final LinkedHashMap<Object, int[]> entries = new LinkedHashMap<>(1024, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;

  /** @param maxBytes most heap the memo holds, estimated; 0 turns it off */
  FeatureMemo(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("the feature cache size must be 0 or more bytes, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** The ids of query {@code text}: remembered, or computed by {@code featurize} and remembered. */
  int[] query(String text, Supplier<int[]> featurize) {
    return lookup(text, featurize, stringBytes(text));
  }

  /** The ids of the document ({@code title}, {@code text}), as {@link #query}. */
  int[] document(String title, String text, Supplier<int[]> featurize) {
    return lookup(new DocumentKey(title, text), featurize, stringBytes(title) + stringBytes(text));
  }

  private int[] lookup(Object key, Supplier<int[]> featurize, long keyBytes) {
    if (maxBytes == 0) {
      misses++;
      return featurize.get();
    }
    int[] ids = entries.get(key);
    if (ids != null) {
      hits++;
      return ids;
    }
    misses++;
    ids = featurize.get();
    long size = ENTRY_OVERHEAD_BYTES + keyBytes + 4L * ids.length;
    if (size > maxBytes) {
      return ids;
    }
    entries.put(key, ids);
    bytes += size;
    evictOverBudget();
    return ids;
  }

  private void evictOverBudget() {
    Iterator<Map.Entry<Object, int[]>> eldest = entries.entrySet().iterator();
    while (bytes > maxBytes && eldest.hasNext()) {
      Map.Entry<Object, int[]> entry = eldest.next();
      bytes -= ENTRY_OVERHEAD_BYTES + keyBytes(entry.getKey()) + 4L * entry.getValue().length;
      eldest.remove();
    }
  }

  private static long keyBytes(Object key) {
    return key instanceof DocumentKey doc ? stringBytes(doc.title()) + stringBytes(doc.text())
        : stringBytes((String) key);
  }

  /** Characters at two bytes each: an upper bound for compact Latin-1 strings too. */
  private static long stringBytes(String s) {
    return s == null ? 0 : STRING_OVERHEAD_BYTES + 2L * s.length();
  }

  long hits() {
    return hits;
  }

  long misses() {
    return misses;
  }

  /** Estimated heap held by the entries. */
  long bytes() {
    return bytes;
  }

  int size() {
    return entries.size();
  }

  /** Hits over lookups since start; 0 before the first lookup. */
  double hitRate() {
    long lookups = hits + misses;
    return lookups == 0 ? 0 : (double) hits / lookups;
  }
}
