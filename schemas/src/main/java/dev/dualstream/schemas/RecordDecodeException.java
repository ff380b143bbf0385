package dev.dualstream.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes could not be decoded. The message is the reason a dead-letter record carries;
 * {@link #kind()} says whether the bytes were malformed, too large, or written by a schema this reader does not know.
 */
public final class RecordDecodeException extends SerializationException {
  private static final long serialVersionUID = 1L;

  /** Why decoding failed. */
  public enum Kind {
    /** The bytes are not a single-object-encoded Avro record (bad header, truncated, corrupt). */
    MALFORMED,
    /** The header names a writer schema fingerprint this reader has never seen. */
    UNKNOWN_SCHEMA,
    /** A null value where a record was required. */
    NULL_VALUE,
    /** The record, or a string, bytes field or array in it, is larger than the codec's {@link DecodeLimits}. */
    TOO_LARGE
  }

  private final Kind kind;

  RecordDecodeException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
