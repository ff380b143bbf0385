package dev.dualstream.schemas;

/**
 * How large a record {@link AvroCodec#decode} accepts. Every bound is checked before Avro sees the
 * bytes, so nothing of a declared size is allocated before it has been checked against these limits
 * and against the bytes the record really has; a record past a limit is refused with
 * {@link RecordDecodeException.Kind#TOO_LARGE} and a message that names the field and the limit.
 *
 * <p>The defaults ({@link #DEFAULTS}) fit the data with room to spare: Kafka's broker and producer
 * refuse records over 1 MiB unless reconfigured, so no topic holds a larger one; a document's title
 * or text (a Debian package description is a few KiB, a BEIR passage under 10 KiB) stays far below
 * 256 KiB; a dead letter's raw key or value bytes are at most a whole record; and an impression
 * shows tens of results, a model version has one source offset per partition.
 *
 * @param maxRecordBytes the whole encoded record, single-object header included (default 1 MiB)
 * @param maxStringBytes one string, in UTF-8 bytes (default 256 KiB)
 * @param maxBytesLength one {@code bytes} field (default 1 MiB)
 * @param maxItems the items of all arrays and maps of one record together (default 10,000)
 */
public record DecodeLimits(int maxRecordBytes, int maxStringBytes, int maxBytesLength, int maxItems) {

  /** The limits every codec of {@link Topics} uses; see the class comment for why these values. */
  public static final DecodeLimits DEFAULTS = new DecodeLimits(1 << 20, 256 << 10, 1 << 20, 10_000);

  public DecodeLimits {
    if (maxRecordBytes < 10) {
      throw new IllegalArgumentException("maxRecordBytes must hold at least the 10-byte single-object header, got "
          + maxRecordBytes);
    }
    if (maxStringBytes < 0 || maxBytesLength < 0 || maxItems < 0) {
      throw new IllegalArgumentException("limits cannot be negative: maxStringBytes " + maxStringBytes
          + ", maxBytesLength " + maxBytesLength + ", maxItems " + maxItems);
    }
  }
}
