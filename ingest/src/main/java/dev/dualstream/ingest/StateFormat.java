package dev.dualstream.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The byte layout of the join's state stores (and so of their changelog topics). Each value starts with a
 * format byte; a store written by another format is refused with a clear error rather than misread.
 */
final class StateFormat {
  private static final byte FORMAT = 3;

  private StateFormat() {}

  /** An impression in the join state, with the clicks that found it (by example id, for dedup). */
  record ImpressionEntry(Stored impression, List<String> clicks) {}

  /** A click and the impression it joined, waiting for its document. */
  record AwaitingDocument(Stored impression, Stored click) {}

  /**
   * The impression's event time and the clicks come first, so that closing a window reads them without
   * decoding the rest ({@link #head}).
   */
  static final Serde<ImpressionEntry> IMPRESSION_ENTRY = serde("impression entry", (e, out) -> {
    out.writeLong(e.impression().eventTime());
    out.writeInt(e.clicks().size());
    for (String c : e.clicks()) {
      out.writeUTF(c);
    }
    write(e.impression(), out);
  }, in -> {
    in.readLong();
    int n = in.readInt();
    List<String> clicks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      clicks.add(in.readUTF());
    }
    return new ImpressionEntry(read(in), clicks);
  }, e -> size(e.impression()) + 12 + 32 * e.clicks().size());

  /** The head of an {@link #IMPRESSION_ENTRY}: the impression's event time and how many clicks it has. */
  record ImpressionHead(long eventTime, int clicks) {}

  /** Reads the head of an {@link #IMPRESSION_ENTRY} value alone. */
  static ImpressionHead head(byte[] impressionEntry) {
    if (impressionEntry.length < 13 || impressionEntry[0] != FORMAT) {
      ImpressionEntry e = IMPRESSION_ENTRY.deserializer().deserialize(null, impressionEntry); // throws, saying why
      return new ImpressionHead(e.impression().eventTime(), e.clicks().size());
    }
    ByteBuffer b = ByteBuffer.wrap(impressionEntry, 1, 12);
    return new ImpressionHead(b.getLong(), b.getInt());
  }

  static final Serde<List<Stored>> STORED_LIST = serde("parked clicks", (list, out) -> {
    out.writeInt(list.size());
    for (Stored s : list) {
      write(s, out);
    }
  }, in -> {
    int n = in.readInt();
    List<Stored> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(read(in));
    }
    return list;
  }, list -> 4 + list.stream().mapToInt(StateFormat::size).sum());

  static final Serde<AwaitingDocument> AWAITING_DOCUMENT = serde("click awaiting its document", (a, out) -> {
    write(a.impression(), out);
    write(a.click(), out);
  }, in -> new AwaitingDocument(read(in), read(in)), a -> size(a.impression()) + size(a.click()));

  /** About the bytes {@link #write} takes (exact for ASCII keys and topics); a buffer size, not a bound. */
  private static int size(Stored s) {
    return 2 + s.key().length() + 2 + s.topic().length() + 4 + 8 + 8 + 4 + s.raw().length;
  }

  private static void write(Stored s, DataOutputStream out) throws IOException {
    out.writeUTF(s.key());
    out.writeUTF(s.topic());
    out.writeInt(s.partition());
    out.writeLong(s.offset());
    out.writeLong(s.eventTime());
    out.writeInt(s.raw().length);
    out.write(s.raw());
  }

  private static Stored read(DataInputStream in) throws IOException {
    String key = in.readUTF();
    String topic = in.readUTF();
    int partition = in.readInt();
    long offset = in.readLong();
    long eventTime = in.readLong();
    byte[] raw = new byte[in.readInt()];
    in.readFully(raw);
    return new Stored(key, raw, topic, partition, offset, eventTime);
  }

  private interface Writer<T> {
    void write(T value, DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static <T> Serde<T> serde(String what, Writer<T> writer, Reader<T> reader, ToIntFunction<T> sizeHint) {
    Serializer<T> serializer = (topic, value) -> {
      if (value == null) {
        return null;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 + sizeHint.applyAsInt(value));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        writer.write(value, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    };
    Deserializer<T> deserializer = (topic, data) -> {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format != FORMAT) {
          throw new SerializationException("stored " + what + " has format " + format + "; this version reads format "
              + FORMAT + " (clear the ingest state and its changelogs, or run the version that wrote it)");
        }
        return reader.read(in);
      } catch (IOException e) {
        throw new SerializationException("corrupt stored " + what + ": " + e, e);
      }
    };
    return org.apache.kafka.common.serialization.Serdes.serdeFrom(serializer, deserializer);
  }
}
