package dev.dualstream.evaluator.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * How a recording lies on disk: a directory of standard Avro object container files, {@code
 * recording-NNNNNN.avro}, numbered in the order they were written, each holding Kafka records in the order
 * the recorder read them (so each partition's records in offset order, across files too), one Avro record
 * per Kafka record with the schema {@code dev.dualstream.recording.KafkaRecord} ({@value #SCHEMA_RESOURCE}):
 * topic, partition, offset, timestamp (milliseconds) and its type, key and value bytes (null where Kafka's
 * are), and headers in order. The file being written carries the suffix {@value #IN_PROGRESS}; any Avro
 * tool reads the others.
 */
public final class RecordingFormat {
  /** The classpath resource of the schema. */
  public static final String SCHEMA_RESOURCE = "/dev/dualstream/evaluator/record/kafka-record.avsc";
  /** The suffix of the file being written. */
  public static final String IN_PROGRESS = ".inprogress";
  /** The schema of every record of a recording. */
  public static final Schema SCHEMA = load();

  private static final Pattern FILE = Pattern.compile("recording-(\\d{6,})\\.avro");
  private static final Schema HEADER = SCHEMA.getField("headers").schema().getElementType();

  private RecordingFormat() {}

  /** One recorded Kafka record; key, value and header values may be null. */
  public record KafkaRecord(String topic, int partition, long offset, long timestamp, String timestampType,
      byte[] key, byte[] value, List<Header> headers) {
    public KafkaRecord {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(timestampType, "timestampType");
      headers = List.copyOf(headers);
    }
  }

  /** A record header. */
  public record Header(String key, byte[] value) {}

  /** The name of file number {@code n}. */
  public static String fileName(long n) {
    return String.format(java.util.Locale.ROOT, "recording-%06d.avro", n);
  }

  /** The number of a finished recording file, or -1 if the name is not one. */
  public static long number(Path file) {
    Matcher m = FILE.matcher(file.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * Hands every record of the finished files of a recording to {@code each}, file by file in the order they
   * were written.
   *
   * @throws IllegalArgumentException if the directory holds no recording file
   * @throws UncheckedIOException if a file cannot be read; the message names it
   */
  public static void read(Path dir, Consumer<KafkaRecord> each) {
    List<Path> files;
    try {
      files = Files.isDirectory(dir) ? Recorder.finished(dir) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the recording in " + dir + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(dir + " holds no recording files (recording-NNNNNN.avro)");
    }
    for (Path file : files) {
      try (var reader = Recorder.reader(file)) {
        GenericRecord reuse = null;
        while (reader.hasNext()) {
          reuse = reader.next(reuse);
          each.accept(fromAvro(reuse));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
  }

  static GenericRecord toAvro(KafkaRecord r) {
    GenericRecord out = new GenericData.Record(SCHEMA);
    out.put("topic", r.topic());
    out.put("partition", r.partition());
    out.put("offset", r.offset());
    out.put("timestamp", r.timestamp());
    out.put("timestamp_type", r.timestampType());
    out.put("key", r.key() == null ? null : ByteBuffer.wrap(r.key()));
    out.put("value", r.value() == null ? null : ByteBuffer.wrap(r.value()));
    List<GenericRecord> headers = new ArrayList<>(r.headers().size());
    for (Header h : r.headers()) {
      GenericRecord header = new GenericData.Record(HEADER);
      header.put("key", h.key());
      header.put("value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
      headers.add(header);
    }
    out.put("headers", headers);
    return out;
  }

  static KafkaRecord fromAvro(GenericRecord in) {
    List<Header> headers = new ArrayList<>();
    for (Object o : (List<?>) in.get("headers")) {
      GenericRecord h = (GenericRecord) o;
      headers.add(new Header(h.get("key").toString(), bytes(h.get("value"))));
    }
    return new KafkaRecord(in.get("topic").toString(), (Integer) in.get("partition"), (Long) in.get("offset"),
        (Long) in.get("timestamp"), in.get("timestamp_type").toString(), bytes(in.get("key")),
        bytes(in.get("value")), headers);
  }

  private static byte[] bytes(Object o) {
    if (o == null) {
      return null;
    }
    ByteBuffer b = ((ByteBuffer) o).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static Schema load() {
    try (InputStream in = RecordingFormat.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + SCHEMA_RESOURCE);
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
