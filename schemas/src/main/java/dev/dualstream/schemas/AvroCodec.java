package dev.dualstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Size limits ({@link DecodeLimits}) are checked before Avro decodes: Avro allocates a string,
 * bytes or array of whatever size the bytes declare before reading it, so a 20-byte record could ask
 * for gigabytes. A record over the limits is refused with {@link RecordDecodeException.Kind#TOO_LARGE},
 * one whose declared sizes overrun its own bytes with {@link RecordDecodeException.Kind#MALFORMED}.
 * Avro's own limits ({@code org.apache.avro.limits.*} system properties, {@code SystemLimitException})
 * are not used: they are read once per JVM when Avro loads, so they cannot differ per codec and would
 * change every Avro user in the process (Flink, Kafka clients), and they check a declared length only
 * against themselves, not against the bytes the record has, so a short record still allocates up to
 * the limit before it fails.
 *
 * <p>Instances are thread-safe: Avro's message encoder and decoder keep per-thread buffers.
 */
public final class AvroCodec<T extends SpecificRecordBase> {
  /** The single-object header: marker {@code C3 01} and the 8-byte writer fingerprint. */
  private static final int HEADER_BYTES = 10;
  private final Class<T> type;
  private final Schema schema;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final SchemaStore.Cache knownWriters = new SchemaStore.Cache();
  private final DecodeLimits limits;
  private final long fingerprint;
  private final BodyScan.Node ownWriter;
  /** Compiled writer schemas by fingerprint, this type's own included. */
  private final Map<Long, BodyScan.Node> writers = new ConcurrentHashMap<>();

  private AvroCodec(Class<T> type, DecodeLimits limits) {
    this.type = type;
    this.limits = limits;
    this.schema = SpecificData.get().getSchema(type);
    SpecificData model = new SpecificData(type.getClassLoader());
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, knownWriters);
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.ownWriter = BodyScan.Node.compile(schema);
    writers.put(fingerprint, ownWriter);
  }

  /** A codec for a generated Avro class, with the default {@link DecodeLimits}. */
  public static <T extends SpecificRecordBase> AvroCodec<T> of(Class<T> type) {
    return of(type, DecodeLimits.DEFAULTS);
  }

  /**
   * A codec for a generated Avro class that refuses records over {@code limits}. It reads records written by
   * every earlier version of the type's schema this build ships ({@value #WRITERS}{@code <Type>.v<N>.avsc}),
   * so producers still on an older schema keep working after it evolves.
   */
  public static <T extends SpecificRecordBase> AvroCodec<T> of(Class<T> type, DecodeLimits limits) {
    AvroCodec<T> codec = new AvroCodec<>(Objects.requireNonNull(type, "type"), Objects.requireNonNull(limits, "limits"));
    for (Schema writer : earlierWriters(type)) {
      codec.withKnownWriter(writer);
    }
    return codec;
  }

  /** Where the earlier writer schemas of each type live on the class path. */
  static final String WRITERS = "dev/dualstream/schemas/writers/";

  /** Versions of one type's writer schema looked for: v1 to this. */
  private static final int MAX_GENERATIONS = 32;

  /** The earlier writer schemas shipped for a type, oldest first. */
  static List<Schema> earlierWriters(Class<?> type) {
    List<Schema> out = new ArrayList<>();
    for (int n = 1; n <= MAX_GENERATIONS; n++) {
      String path = WRITERS + type.getSimpleName() + ".v" + n + ".avsc";
      try (InputStream in = AvroCodec.class.getClassLoader().getResourceAsStream(path)) {
        if (in != null) {
          out.add(new Schema.Parser().parse(in));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the writer schema " + path, e);
      }
    }
    return out;
  }

  /** Accepts records written by an older (compatible) version of this type's schema. */
  public AvroCodec<T> withKnownWriter(Schema writer) {
    knownWriters.addSchema(writer);
    decoder.addSchema(writer);
    writers.put(SchemaNormalization.parsingFingerprint64(writer), BodyScan.Node.compile(writer));
    return this;
  }

  public DecodeLimits limits() {
    return limits;
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  /** The 64-bit parsing fingerprint this codec writes into every header. */
  public long fingerprint() {
    return fingerprint;
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
    checkSizes(bytes, name);
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

  /**
   * Refuses a record over the limits, or one whose declared sizes overrun its bytes, before Avro
   * allocates anything. A header Avro would refuse (bad marker, unknown fingerprint) passes here
   * untouched, so Avro's reason stays the one reported.
   */
  private void checkSizes(byte[] bytes, String name) {
    if (bytes.length > limits.maxRecordBytes()) {
      throw new RecordDecodeException(RecordDecodeException.Kind.TOO_LARGE, name + " too large: " + bytes.length
          + " bytes, more than maxRecordBytes " + limits.maxRecordBytes(), null);
    }
    if (bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
      return;
    }
    long writerFingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    BodyScan.Node writer = writerFingerprint == fingerprint ? ownWriter : writers.get(writerFingerprint);
    if (writer == null) {
      return;
    }
    try {
      BodyScan.check(writer, bytes, HEADER_BYTES, limits);
    } catch (BodyScan.Refusal r) {
      String where = r.where().isEmpty() ? "" : " at " + r.where();
      String what = r.kind() == RecordDecodeException.Kind.TOO_LARGE ? name + " too large" : "corrupt " + name + " body";
      throw new RecordDecodeException(r.kind(), what + where + ": " + r.getMessage() + " (" + bytes.length + " bytes)",
          null);
    } catch (StackOverflowError e) {
      // only a recursive writer schema nests without bound; ours do not, a known writer might
      throw new RecordDecodeException(RecordDecodeException.Kind.MALFORMED, "corrupt " + name
          + " body: it nests too deeply (" + bytes.length + " bytes)", null);
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
