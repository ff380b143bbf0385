package dev.dualstream.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the one state store each ingest topology keeps. A first byte says what a key holds, so that one
 * store (one RocksDB instance and one changelog partition per task) serves everything: every store a
 * topology has adds a partition to each exactly-once transaction and a flush to each commit.
 *
 * <pre>
 * A name                      an account (value: 8-byte count)
 * I impression id             an impression in the join window (StateFormat.IMPRESSION_ENTRY)
 * P impression id             clicks awaiting their impression (StateFormat.STORED_LIST)
 * X time kind impression id   when an impression or a waiting click expires (value: empty)
 * D deadline partition offset a click awaiting its document (StateFormat.AWAITING_DOCUMENT)
 * V doc id                    the version of a document (value: 8-byte version)
 * </pre>
 *
 * Times are 8-byte big-endian, so keys of one kind sort by time.
 */
final class StateStoreKeys {
  static final byte ACCOUNT = 'A';
  static final byte IMPRESSION = 'I';
  static final byte AWAITING_IMPRESSION = 'P';
  static final byte EXPIRY = 'X';
  static final byte AWAITING_DOCUMENT = 'D';
  static final byte DOCUMENT_VERSION = 'V';

  private StateStoreKeys() {}

  static Bytes of(byte kind, String id) {
    byte[] b = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(1 + b.length).put(kind).put(b).array());
  }

  static Bytes expiry(long time, byte what, String id) {
    byte[] b = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(10 + b.length).put(EXPIRY).putLong(time).put(what).put(b).array());
  }

  /** The lowest possible expiry key at {@code time}: a range to it ends just before that time. */
  static Bytes expiryBound(long time) {
    return Bytes.wrap(ByteBuffer.allocate(9).put(EXPIRY).putLong(time).array());
  }

  static Bytes awaitingDocument(long deadline, int partition, long offset) {
    return Bytes.wrap(ByteBuffer.allocate(21).put(AWAITING_DOCUMENT).putLong(deadline).putInt(partition)
        .putLong(offset).array());
  }

  /** The range of every key of one kind: from the kind byte alone to the kind byte followed by 0xFF... */
  static Bytes kindStart(byte kind) {
    return Bytes.wrap(new byte[] {kind});
  }

  static Bytes kindEnd(byte kind) {
    return Bytes.wrap(new byte[] {(byte) (kind + 1)});
  }

  static byte[] longValue(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(byte[] value) {
    return ByteBuffer.wrap(value).getLong();
  }

  /** The time in an expiry or awaiting-document key. */
  static long time(Bytes key) {
    return ByteBuffer.wrap(key.get(), 1, 8).getLong();
  }

  /** The impression id in an expiry key, and what expires. */
  static byte expiryWhat(Bytes key) {
    return key.get()[9];
  }

  static String expiryId(Bytes key) {
    return new String(key.get(), 10, key.get().length - 10, StandardCharsets.UTF_8);
  }
}
