package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders for input records and the bad bytes the tests feed the stage. */
final class TestRecords {
  static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

  private TestRecords() {}

  /**
   * An impression showing {@code docIds} at positions 1, 2, ... with scores 10, 9, ..., propensity 1/position, and
   * a shown probability of 0.9 below the top (the top result's is not recorded).
   */
  static Impression impression(String id, Instant time, String... docIds) {
    List<ShownResult> results = new ArrayList<>();
    for (int i = 0; i < docIds.length; i++) {
      results.add(new ShownResult(docIds[i], i + 1, 10.0 - i, 1.0 / (i + 1), i == 0 ? null : 0.9));
    }
    return new Impression(id, "query of " + id, "q-" + id, "user-" + id, "session-" + id, time, results, null, null,
        null);
  }

  static Click click(String impressionId, String docId, int position, Instant time) {
    return new Click(impressionId, docId, position, time, 1500L);
  }

  static Document document(String id, long version) {
    return new Document(id, "title " + id + " v" + version, "text " + id + " v" + version, version, T0);
  }

  static byte[] bytes(Impression i) {
    return Topics.IMPRESSIONS.codec().encode(i);
  }

  static byte[] bytes(Click c) {
    return Topics.CLICKS.codec().encode(c);
  }

  static byte[] bytes(Document d) {
    return Topics.DOCUMENTS.codec().encode(d);
  }

  /** Not single-object encoded at all. */
  static byte[] malformed() {
    return "this is not avro".getBytes(StandardCharsets.UTF_8);
  }

  /** A valid header (C3 01) with a fingerprint that no schema has, then a body. */
  static byte[] unknownSchema() {
    ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0xC3).put((byte) 0x01).putLong(0x0123456789ABCDEFL).put(new byte[] {2, 'x', 2, 'y'});
    return b.array();
  }

  /**
   * The right header and fingerprint for {@code fingerprint}, followed by bytes on which Avro has been seen
   * to throw an exception of its own kind or none of its own (UnsupportedOperationException).
   */
  static byte[] corruptBody(long fingerprint) {
    ByteBuffer b = ByteBuffer.allocate(2 + 8 + 6).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint);
    b.put(new byte[] {(byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x0a});
    return b.array();
  }

  static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
