package dev.dualstream.trainer.negatives;

import static dev.dualstream.trainer.negatives.ObjectiveState.CACHE;
import static dev.dualstream.trainer.negatives.ObjectiveState.CLICKED;
import static dev.dualstream.trainer.negatives.ObjectiveState.CORPUS;
import static dev.dualstream.trainer.negatives.ObjectiveState.OBJECTIVE;
import static dev.dualstream.trainer.negatives.ObjectiveState.POOL;
import static dev.dualstream.trainer.negatives.ObjectiveState.POSITIVES;
import static dev.dualstream.trainer.negatives.ObjectiveState.SKIPPED;
import static dev.dualstream.trainer.negatives.ObjectiveState.sectionName;

import dev.dualstream.cache.NegativeCache;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decodes the sections of an {@link ObjectiveState} file (its framing already checked) and checks
 * them against the objective they are to restore, before anything of that objective changes: a
 * file written for another configuration fails as a whole instead of half restoring.
 */
final class StateReader {
  private StateReader() {}

  /** A decoded count-min sketch, raw (undecayed) counters. */
  record Sketch(int width, int depth, double decay, double unit, double total, double[] counts) {}

  /** The decoded document pool, in insertion order. */
  record Pool(int capacity, long[] keys, int[][] ids) {}

  /** The decoded corpus source; {@code cache} is null before its first encoding. */
  record Corpus(long reencodings, NegativeCache cache) {}

  /** The decoded clicked-documents memory: occupied slots, their queries and documents. */
  record Clicked(int[] slots, long[] queryKeys, long[][] docKeys) {}

  /** Everything a file holds, checked against the objective; absent components are null. */
  record Decoded(long steps, double staleness, long random, NegativeCache cache, Sketch positives, Sketch skipped,
      Pool pool, Corpus corpus, Clicked clicked) {}

  /** Reads the sections between the header and the checksum. */
  static Decoded read(ByteBuffer in, NegativeObjective objective) {
    ByteBuffer[] sections = new ByteBuffer[CLICKED + 1];
    int last = 0;
    while (in.hasRemaining()) {
      require(in.remaining() >= 5, "a section header is cut off");
      int tag = in.get();
      int length = in.getInt();
      require(tag > last && tag <= CLICKED, "unknown, repeated or misplaced section tag " + tag);
      require(length >= 0 && length <= in.remaining(),
          "the " + sectionName(tag) + " section's " + length + " bytes overrun the file");
      sections[tag] = in.slice(in.position(), length);
      in.position(in.position() + length);
      last = tag;
    }
    require(sections[OBJECTIVE] != null, "no objective section");
    present(sections, CACHE, objective.cache() != null, "a negative cache");
    present(sections, POSITIVES, objective.positives() != null, "a positives popularity sketch");
    present(sections, SKIPPED, objective.skipped() != null, "a skip-above popularity sketch");
    present(sections, POOL, objective.pool() != null, "a document pool");
    present(sections, CORPUS, objective.corpus() != null, "corpus negatives");
    present(sections, CLICKED, objective.clicked() != null, "a clicked-documents memory");

    ByteBuffer head = sections[OBJECTIVE];
    long[] counters = whole(head, OBJECTIVE, () -> new long[] {head.getLong(), head.getLong(), head.getLong()});
    NegativeCache cache = sections[CACHE] == null ? null
        : whole(sections[CACHE], CACHE, () -> cache(sections[CACHE], objective.cache()));
    Sketch positives = sections[POSITIVES] == null ? null
        : whole(sections[POSITIVES], POSITIVES, () -> sketch(sections[POSITIVES], objective.positives()));
    Sketch skipped = sections[SKIPPED] == null ? null
        : whole(sections[SKIPPED], SKIPPED, () -> sketch(sections[SKIPPED], objective.skipped()));
    Pool pool = sections[POOL] == null ? null
        : whole(sections[POOL], POOL, () -> pool(sections[POOL], objective.pool()));
    Corpus corpus = sections[CORPUS] == null ? null
        : whole(sections[CORPUS], CORPUS, () -> corpus(sections[CORPUS], objective.corpus()));
    Clicked clicked = sections[CLICKED] == null ? null
        : whole(sections[CLICKED], CLICKED, () -> clicked(sections[CLICKED], objective.clicked()));
    return new Decoded(counters[0], Double.longBitsToDouble(counters[1]), counters[2], cache, positives, skipped,
        pool, corpus, clicked);
  }

  private static void present(ByteBuffer[] sections, int tag, boolean expected, String what) {
    if (sections[tag] == null && expected) {
      throw new IllegalArgumentException("no " + sectionName(tag) + " section, but the configuration has " + what);
    }
    if (sections[tag] != null && !expected) {
      throw new IllegalArgumentException("a " + sectionName(tag) + " section, but the configuration has no "
          + what.replaceFirst("^an? ", "") + "; was it written for another model configuration?");
    }
  }

  /** Decodes a whole section: a short one fails with a message, and so does one with bytes left over. */
  private static <T> T whole(ByteBuffer section, int tag, Supplier<T> decoder) {
    T value;
    try {
      value = decoder.get();
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("the " + sectionName(tag) + " section is shorter than its contents", e);
    }
    require(!section.hasRemaining(), "the " + sectionName(tag) + " section has " + section.remaining()
        + " bytes more than its contents");
    return value;
  }

  /** Makes {@code objective} hold the decoded state. */
  static void apply(Decoded d, NegativeObjective objective) {
    objective.restore(d.steps(), d.staleness(), d.random(), d.cache());
    if (d.positives() != null) {
      objective.positives().restore(d.positives().counts(), d.positives().unit(), d.positives().total());
    }
    if (d.skipped() != null) {
      objective.skipped().restore(d.skipped().counts(), d.skipped().unit(), d.skipped().total());
    }
    if (d.pool() != null) {
      objective.pool().restore(d.pool().keys(), d.pool().ids());
    }
    if (d.corpus() != null) {
      objective.corpus().restore(d.corpus().cache(), d.corpus().reencodings());
    }
    if (d.clicked() != null) {
      objective.clicked().restore(d.clicked().slots(), d.clicked().queryKeys(), d.clicked().docKeys());
    }
  }

  private static NegativeCache cache(ByteBuffer section, NegativeCache expected) {
    NegativeCache cache = restoreCache(section, "the cache section", expected.memoryPlan().allocatedBytes());
    require(cache.capacity() == expected.capacity() && cache.dim() == expected.dim()
        && cache.maxFeatures() == expected.maxFeatures() && cache.topK() == expected.topK()
        && cache.scale() == expected.scale(),
        "the cache section holds a cache of capacity " + cache.capacity() + ", dim " + cache.dim() + ", top-k "
            + cache.topK() + ", scale " + cache.scale() + "; the configuration's has capacity " + expected.capacity()
            + ", dim " + expected.dim() + ", top-k " + expected.topK() + ", scale " + expected.scale());
    return cache;
  }

  /** Restores a cache, refusing before it allocates one larger than {@code maxAllocatedBytes}. */
  private static NegativeCache restoreCache(ByteBuffer section, String what, long maxAllocatedBytes) {
    byte[] snapshot = new byte[section.remaining()];
    section.get(snapshot);
    try {
      return NegativeCache.restore(snapshot, maxAllocatedBytes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  private static Sketch sketch(ByteBuffer in, PopularityEstimate expected) {
    int width = in.getInt();
    int depth = in.getInt();
    double decay = in.getDouble();
    long hashSeed = in.getLong();
    double unit = in.getDouble();
    double total = in.getDouble();
    int nonZero = in.getInt();
    require(width == expected.width() && depth == expected.depth() && decay == expected.decay(),
        "a popularity sketch of " + width + " x " + depth + " with decay " + decay + " where the configuration has "
            + expected.width() + " x " + expected.depth() + " with decay " + expected.decay());
    require(hashSeed == expected.hashSeed(), "a popularity sketch hashed with another seed (the trainer's seed"
        + " differs from the one that wrote it)");
    require(unit >= 1 && Double.isFinite(unit) && total >= 0 && Double.isFinite(total),
        "a popularity sketch with unit " + unit + " and total " + total);
    require(nonZero >= 0 && nonZero <= in.remaining() / 12, "a popularity sketch of " + nonZero
        + " non-zero counters in " + in.remaining() + " bytes");
    double[] counts = new double[width * depth];
    int last = -1;
    for (int c = 0; c < nonZero; c++) {
      int at = in.getInt();
      require(at > last && at < counts.length, "popularity counter " + at + " out of order or range");
      counts[at] = in.getDouble();
      last = at;
    }
    return new Sketch(width, depth, decay, unit, total, counts);
  }

  private static Pool pool(ByteBuffer in, DocumentPool expected) {
    int capacity = in.getInt();
    int size = in.getInt();
    require(capacity == expected.capacity(), "a document pool of capacity " + capacity
        + " where the configuration has " + expected.capacity());
    require(size >= 0 && size <= capacity && size <= in.remaining() / 12, "a document pool of " + size
        + " documents in " + in.remaining() + " bytes");
    long[] keys = new long[size];
    int[][] ids = new int[size][];
    Set<Long> seen = new HashSet<>();
    for (int d = 0; d < size; d++) {
      keys[d] = in.getLong();
      require(seen.add(keys[d]), "document key " + keys[d] + " is pooled twice");
      int n = in.getInt();
      require(n >= 0 && n <= in.remaining() / 4, "pool document " + d + " with " + n + " feature ids");
      ids[d] = new int[n];
      in.asIntBuffer().get(ids[d]);
      in.position(in.position() + 4 * n);
    }
    return new Pool(capacity, keys, ids);
  }

  private static Corpus corpus(ByteBuffer in, CorpusNegatives expected) {
    long reencodings = in.getLong();
    require(reencodings >= 0, "corpus re-encoded " + reencodings + " times");
    if (!in.hasRemaining()) {
      require(reencodings == 0, "corpus re-encoded " + reencodings + " times but no encoded corpus");
      return new Corpus(0, null);
    }
    NegativeCache cache = restoreCache(in, "the corpus section", expected.largestCacheBytes());
    require(cache.dim() == expected.dim() && cache.maxFeatures() == expected.maxFeatures()
        && cache.scale() == expected.scale() && cache.topK() == 0,
        "the corpus section holds an encoded corpus of another dimension, feature count or scale");
    return new Corpus(reencodings, cache);
  }

  private static Clicked clicked(ByteBuffer in, ClickedDocuments expected) {
    int slots = in.getInt();
    int used = in.getInt();
    require(slots == expected.slots(), "a clicked-documents memory of " + slots
        + " queries where the configuration has " + expected.slots());
    require(used >= 0 && used <= slots && used <= in.remaining() / 13, "a clicked-documents memory of " + used
        + " queries in " + in.remaining() + " bytes");
    int[] at = new int[used];
    long[] queries = new long[used];
    long[][] docs = new long[used][];
    int last = -1;
    for (int k = 0; k < used; k++) {
      at[k] = in.getInt();
      require(at[k] > last && at[k] < slots, "clicked-documents slot " + at[k] + " out of order or range");
      queries[k] = in.getLong();
      require(Math.floorMod(queries[k], (long) slots) == at[k],
          "clicked-documents slot " + at[k] + " holds a query that belongs in another slot");
      int n = in.get();
      require(n >= 1 && n <= ClickedDocuments.PER_QUERY, "clicked-documents slot " + at[k] + " with " + n
          + " documents (1 to " + ClickedDocuments.PER_QUERY + ")");
      docs[k] = new long[n];
      for (int d = 0; d < n; d++) {
        docs[k][d] = in.getLong();
      }
      last = at[k];
    }
    return new Clicked(at, queries, docs);
  }

  static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
