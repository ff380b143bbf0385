package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.apache.avro.specific.SpecificRecordBase;

/**
 * The contract of {@link AvroCodec#decode} on any bytes at all, shared by the unit and fuzz tests:
 * a record that, encoded again, decodes to itself, or a {@link RecordDecodeException}. Anything else
 * (another exception, an error) propagates and fails the caller.
 *
 * <p>The round trip decodes under the default limits, not the codec's own: Avro decodes invalid
 * UTF-8 leniently, each bad byte becoming U+FFFD (three bytes), so the re-encoded record can be up
 * to three times longer than the bytes it came from (the fuzzer's first finding). It compares
 * encodings, not records: Avro's generated {@code equals} finds a record with NaN in a plain
 * {@code double} field unequal to its own copy (the fuzzer's second finding).
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
    AvroCodec<T> roundTrip = Topics.codecFor(codec.type());
    byte[] encoded = codec.encode(record);
    assertArrayEquals(encoded, roundTrip.encode(roundTrip.decode(encoded)), "a decoded record re-encodes to itself");
    return "decoded";
  }
}
