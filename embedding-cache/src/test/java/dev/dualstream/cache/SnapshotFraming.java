package dev.dualstream.cache;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Builds snapshot bytes with a valid frame around any body, so that tests, and the fuzzer, reach the
 * body decoder instead of stopping at the checksum: a damaged disk fails the checksum, a forged file
 * does not.
 */
final class SnapshotFraming {
  private SnapshotFraming() {}

  /** {@code bytes} with its length field and trailing CRC-32 made to fit. */
  static byte[] withCrc(byte[] bytes) {
    ByteBuffer out = ByteBuffer.wrap(bytes);
    out.putLong(8, bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - Integer.BYTES);
    out.putInt(bytes.length - Integer.BYTES, (int) crc.getValue());
    return bytes;
  }

  /** A framed snapshot of {@code body}: magic, version, length, body, CRC-32. */
  static byte[] frame(byte[] body) {
    byte[] bytes = new byte[16 + body.length + Integer.BYTES];
    ByteBuffer.wrap(bytes).putInt(SnapshotCodec.MAGIC).putInt(SnapshotCodec.VERSION);
    System.arraycopy(body, 0, bytes, 16, body.length);
    return withCrc(bytes);
  }
}
