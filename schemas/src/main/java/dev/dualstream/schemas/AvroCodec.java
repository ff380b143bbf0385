package dev.dualstream.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding for one generated record type: header {@code C3 01}, the 8-byte
 * little-endian parsing fingerprint of the writer schema, then the binary body.
 *
 * <p>Older writer schemas can be registered with {@link #withKnownWriter(Schema)}; their records are
 * decoded with schema resolution. Any other fingerprint is refused with {@link
 * RecordDecodeException.Kind#UNKNOWN_SCHEMA}. Every other failure, including the odd unchecked
 * exception Avro throws on some corrupt inputs, becomes {@link RecordDecodeException.Kind#MALFORMED}.
 *
 * <p>Instances are thread-safe: Avro's message encoder and decoder keep per-thread buffers.
 */
public final class AvroCodec<T extends SpecificRecordBase> {
  private final Class<T> type;
  private final Schema schema;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final SchemaStore.Cache knownWriters = new SchemaStore.Cache();

  private AvroCodec(Class<T> type) {
    this.type = type;
    this.schema = SpecificData.get().getSchema(type);
    SpecificData model = new SpecificData(type.getClassLoader());
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, knownWriters);
  }

  /** A codec for a generated Avro class. */
  public static <T extends SpecificRecordBase> AvroCodec<T> of(Class<T> type) {
    return new AvroCodec<>(Objects.requireNonNull(type, "type"));
  }

  /** Accepts records written by an older (compatible) version of this type's schema. */
  public AvroCodec<T> withKnownWriter(Schema writer) {
    knownWriters.addSchema(writer);
    decoder.addSchema(writer);
    return this;
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  /** The 64-bit parsing fingerprint this codec writes into every header. */
  public long fingerprint() {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  public byte[] encode(T record) {
    Objects.requireNonNull(record, "record");
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
    }
  }

  /**
   * Decodes one record.
   *
   * @throws RecordDecodeException with a reason that names the type and what was wrong
   */
  public T decode(byte[] bytes) {
    String name = type.getSimpleName();
    if (bytes == null) {
      throw new RecordDecodeException(RecordDecodeException.Kind.NULL_VALUE, "null value where a " + name + " was expected", null);
    }
    try {
      return decoder.decode(bytes);
    } catch (MissingSchemaException e) {
      throw new RecordDecodeException(
          RecordDecodeException.Kind.UNKNOWN_SCHEMA,
          "unknown writer schema fingerprint " + headerFingerprint(bytes) + " for " + name
              + " (this reader knows " + String.format("%016x", fingerprint()) + ")",
          e);
    } catch (BadHeaderException e) {
      throw new RecordDecodeException(
          RecordDecodeException.Kind.MALFORMED,
          "not a single-object encoded " + name + ": " + e.getMessage() + " (" + bytes.length + " bytes)",
          e);
    } catch (IOException | RuntimeException | StackOverflowError e) {
      throw new RecordDecodeException(
          RecordDecodeException.Kind.MALFORMED,
          "corrupt " + name + " body: " + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()) + " (" + bytes.length + " bytes)",
          e);
    }
  }

  private static String headerFingerprint(byte[] bytes) {
    if (bytes.length < 10) {
      return "(short header)";
    }
    byte[] fp = new byte[8];
    for (int i = 0; i < 8; i++) {
      fp[i] = bytes[9 - i];
    }
    return HexFormat.of().formatHex(fp);
  }
}
