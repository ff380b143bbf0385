package dev.dualstream.trainer.negatives;

import dev.dualstream.cache.NegativeCache;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The whole state of a {@link NegativeObjective} as one file, so that a trainer restored from a
 * checkpoint draws and scores exactly as the one that wrote it. Format version 2, big-endian:
 *
 * <pre>
 *   int    magic 0x44534E4F ("DSNO")
 *   int    format version
 *   long   length of the whole file in bytes, this header and the checksum included
 *   sections in increasing tag order, each once at most: byte tag, int payload length, payload
 *     1 OBJECTIVE (always): long steps, double last staleness, long random state
 *     2 CACHE (with a cache): the negative cache's own snapshot ({@link NegativeCache#snapshot()})
 *     3 POSITIVES (label bias or in-batch logQ): the positives' sketch: int width, int depth,
 *         double decay, long first row's hash seed, double unit, double raw total, int non-zero
 *         counters, then (int index, double raw count) for each
 *     4 SKIPPED (skip-above logQ): the skip-above documents' sketch, as POSITIVES
 *     5 POOL (uniform or corpus negatives): int capacity, int size, then size x (long key, int n,
 *         n ints of feature ids)
 *     6 CORPUS (corpus negatives): long re-encodings, then the snapshot of the encoded corpus
 *         (absent before the first draw)
 *     7 CLICKED (clicked-documents memory; since version 2): int slots, int occupied slots, then for
 *         each in increasing slot order (int slot, long query key, byte n, n longs of document keys,
 *         oldest first)
 *   int    CRC-32C of every byte before it
 * </pre>
 *
 * A section is present exactly when the objective's configuration has that component, so a file
 * restores only into an objective of the same configuration; the key index of the pool is derived
 * and not stored. A reader checks magic, version, length and checksum before it decodes, decodes
 * everything before it changes the objective, and names what is wrong. A new version gets a new
 * number here, and the reader keeps reading the old ones (golden v1 and v2 files are in the tests;
 * version 1 is version 2 without the CLICKED section, which did not exist then).
 */
final class ObjectiveState {
  static final int MAGIC = 0x44534E4F;
  static final int VERSION = 2;
  /** The oldest format version this build reads. */
  static final int OLDEST_VERSION = 1;
  private static final int HEADER_BYTES = 16;
  static final byte OBJECTIVE = 1;
  static final byte CACHE = 2;
  static final byte POSITIVES = 3;
  static final byte SKIPPED = 4;
  static final byte POOL = 5;
  static final byte CORPUS = 6;
  static final byte CLICKED = 7;
  private static final String[] NAMES = {"", "objective", "cache", "positives sketch", "skip-above sketch",
      "document pool", "corpus", "clicked documents"};

  private ObjectiveState() {}

  /** Writes the objective's state to {@code file}. */
  static void write(NegativeObjective objective, Path file) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      write(objective, out);
    }
  }

  /** The objective's state as bytes (the file's contents). */
  static byte[] encode(NegativeObjective objective) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(objective, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Replaces the objective's state by the one in {@code file}.
   *
   * @throws IOException naming the file, if it is missing, foreign, truncated, damaged, of an
   *     unknown version or written for another configuration; the objective is then unchanged
   */
  static void read(Path file, NegativeObjective objective) throws IOException {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE - 8) {
        throw new IOException("the negative objective's state " + file + " has " + size
            + " bytes, more than a file of this format holds");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException("the negative objective's state " + file + " is missing", e);
    }
    try {
      decode(bytes, objective);
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot read the negative objective's state " + file + ": " + e.getMessage(), e);
    }
  }

  private static void write(NegativeObjective o, OutputStream target) throws IOException {
    List<Section> sections = new ArrayList<>();
    sections.add(new Section(OBJECTIVE, payload(out -> {
      out.writeLong(o.steps());
      out.writeDouble(o.cacheStaleness());
      out.writeLong(o.randomState());
    })));
    if (o.cache() != null) {
      sections.add(new Section(CACHE, o.cache().snapshot()));
    }
    if (o.positives() != null) {
      sections.add(new Section(POSITIVES, payload(out -> sketch(out, o.positives()))));
    }
    if (o.skipped() != null) {
      sections.add(new Section(SKIPPED, payload(out -> sketch(out, o.skipped()))));
    }
    if (o.pool() != null) {
      sections.add(new Section(POOL, payload(out -> pool(out, o.pool()))));
    }
    if (o.corpus() != null) {
      CorpusNegatives corpus = o.corpus();
      byte[] reencodings = payload(out -> out.writeLong(corpus.reencodings()));
      sections.add(corpus.cache() == null ? new Section(CORPUS, reencodings)
          : new Section(CORPUS, reencodings, corpus.cache().snapshot()));
    }
    if (o.clicked() != null) {
      sections.add(new Section(CLICKED, payload(out -> clicked(out, o.clicked()))));
    }
    long length = HEADER_BYTES + Integer.BYTES;
    for (Section section : sections) {
      length += 1 + Integer.BYTES + section.length();
    }
    CRC32C crc = new CRC32C();
    DataOutputStream out = new DataOutputStream(new CheckedOutputStream(target, crc));
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(length);
    for (Section section : sections) {
      out.writeByte(section.tag());
      out.writeInt(section.length());
      for (byte[] part : section.parts()) {
        out.write(part);
      }
    }
    out.flush();
    new DataOutputStream(target).writeInt((int) crc.getValue());
  }

  /**
   * A section's tag and its payload in parts: a cache snapshot, which can approach a gigabyte, is
   * written as it is instead of being copied into a payload array.
   */
  private record Section(byte tag, byte[]... parts) {
    int length() {
      long sum = 0;
      for (byte[] part : parts) {
        sum += part.length;
      }
      if (sum > Integer.MAX_VALUE) {
        throw new IllegalStateException("the " + sectionName(tag) + " section would take " + sum
            + " bytes, more than a section holds; lower the cache or pool size");
      }
      return (int) sum;
    }
  }

  /** Writes one section's payload. */
  private interface Payload {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] payload(Payload payload) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      payload.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void sketch(DataOutputStream out, PopularityEstimate sketch) throws IOException {
    double[] counts = sketch.rawCounts();
    int nonZero = 0;
    for (double c : counts) {
      nonZero += c != 0 ? 1 : 0;
    }
    out.writeInt(sketch.width());
    out.writeInt(sketch.depth());
    out.writeDouble(sketch.decay());
    out.writeLong(sketch.hashSeed());
    out.writeDouble(sketch.unit());
    out.writeDouble(sketch.rawTotal());
    out.writeInt(nonZero);
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        out.writeInt(i);
        out.writeDouble(counts[i]);
      }
    }
  }

  private static void pool(DataOutputStream out, DocumentPool pool) throws IOException {
    out.writeInt(pool.capacity());
    out.writeInt(pool.size());
    for (int d = 0; d < pool.size(); d++) {
      int[] ids = pool.ids(d);
      out.writeLong(pool.key(d));
      out.writeInt(ids.length);
      for (int id : ids) {
        out.writeInt(id);
      }
    }
  }

  private static void clicked(DataOutputStream out, ClickedDocuments clicked) throws IOException {
    out.writeInt(clicked.slots());
    out.writeInt(clicked.size());
    for (int slot = 0; slot < clicked.slots(); slot++) {
      int n = clicked.count(slot);
      if (n > 0) {
        out.writeInt(slot);
        out.writeLong(clicked.queryKey(slot));
        out.writeByte(n);
        for (int d = 0; d < n; d++) {
          out.writeLong(clicked.docKey(slot, d));
        }
      }
    }
  }

  /**
   * Replaces the objective's state by {@code bytes}.
   *
   * @throws IllegalArgumentException saying what is wrong; the objective is then unchanged
   */
  static void decode(byte[] bytes, NegativeObjective objective) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (bytes.length >= Integer.BYTES && in.getInt(0) != MAGIC) {
      throw new IllegalArgumentException(String.format(
          "not a negative objective state: magic 0x%08X, expected 0x%08X", in.getInt(0), MAGIC));
    }
    if (bytes.length < HEADER_BYTES + Integer.BYTES) {
      throw new IllegalArgumentException("truncated: " + bytes.length + " bytes, shorter than header and checksum");
    }
    int version = in.getInt(4);
    if (version < OLDEST_VERSION || version > VERSION) {
      throw new IllegalArgumentException("format version " + version + " is not supported; this build reads versions "
          + OLDEST_VERSION + " to " + VERSION);
    }
    long length = in.getLong(8);
    if (bytes.length != length) {
      throw new IllegalArgumentException((bytes.length < length ? "truncated: " : "corrupt: ") + bytes.length
          + " bytes where the header says " + length);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - Integer.BYTES);
    if ((int) crc.getValue() != in.getInt(bytes.length - Integer.BYTES)) {
      throw new IllegalArgumentException("corrupt: checksum mismatch");
    }
    in.position(HEADER_BYTES).limit(bytes.length - Integer.BYTES);
    StateReader.apply(StateReader.read(in, objective), objective);
  }

  static String sectionName(int tag) {
    return tag > 0 && tag < NAMES.length ? NAMES[tag] : "section " + tag;
  }
}
