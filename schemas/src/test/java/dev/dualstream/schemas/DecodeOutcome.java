package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.avro.specific.SpecificRecordBase;

/**
 * The contract of {@link AvroCodec#decode} on any bytes at all, shared by the unit and fuzz tests:
 * a record that, encoded again, decodes to itself, or a {@link RecordDecodeException}. Anything else
 * (another exception, an error) propagates and fails the caller.
 */
final class DecodeOutcome {
  private DecodeOutcome() {}

  /** "decoded", or the name of the rejection's kind. */
  static <T extends SpecificRecordBase> String of(AvroCodec<T> codec, byte[] bytes) {
    T record;
    try {
      record = codec.decode(bytes);
    } catch (RecordDecodeException e) {
      return e.kind().name();
    }
    assertEquals(record, codec.decode(codec.encode(record)), "a decoded record re-encodes to itself");
    return "decoded";
  }
}
