package dev.dualstream.evaluator.record;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.evaluator.record.RecordingFormat.Header;
import dev.dualstream.evaluator.record.RecordingFormat.KafkaRecord;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Records Kafka topics into a directory of Avro container files ({@link RecordingFormat}): every committed
 * record (read_committed, so aborted transactions are never recorded) of every partition, in offset order.
 *
 * <p>Resumable: the files are the recorder's only state. A recorder opened on a directory continues each
 * partition right after the last offset the files hold, so a restarted recorder neither skips nor repeats a
 * record. The file being written is flushed and synced to disk after every poll that wrote to it; after a
 * crash ({@code kill -9}) it may end in a torn block, and {@link #open} keeps every record before that block
 * (finishing the file under its final name) and reads the rest from Kafka again. A file is finished, under
 * its final name, when it passes the size or age bound or the recorder stops.
 *
 * <p>Not thread-safe: one thread runs a recorder; {@link #run}'s stop condition may be set from any thread.
 */
public final class Recorder {
  /**
   * When a file is finished and the next begun.
   *
   * @param maxFileBytes a file is finished once it holds at least this many bytes
   * @param maxFileAge a file is finished once it has been open this long
   */
  public record Rotation(long maxFileBytes, Duration maxFileAge) {
    public Rotation {
      Objects.requireNonNull(maxFileAge, "maxFileAge");
      if (maxFileBytes < 1 || maxFileAge.isNegative() || maxFileAge.isZero()) {
        throw new IllegalArgumentException("a file needs a positive size and age bound, got " + maxFileBytes
            + " bytes and " + maxFileAge);
      }
    }

    /** 64 MiB or ten minutes, whichever comes first. */
    public static Rotation defaults() {
      return new Rotation(64L << 20, Duration.ofMinutes(10));
    }
  }

  /** How far a run has come: records written by this run, files finished by it, and records per topic. */
  public record Progress(long records, int filesFinished, Map<String, Long> perTopic, boolean caughtUp) {}

  private static final Duration POLL = Duration.ofMillis(200);

  private final Path dir;
  private final Rotation rotation;
  private final Map<TopicPartition, Long> next;
  private long nextFile;
  private long recovered;

  private Recorder(Path dir, Rotation rotation, Map<TopicPartition, Long> next, long nextFile, long recovered) {
    this.dir = dir;
    this.rotation = rotation;
    this.next = next;
    this.nextFile = nextFile;
    this.recovered = recovered;
  }

  /**
   * Opens a recording directory (created if missing): finishes a file a crashed recorder left (keeping every
   * whole record) and learns where each partition continues.
   *
   * @throws UncheckedIOException if the directory cannot be read or written
   * @throws IllegalArgumentException if a finished file is not a recording
   */
  public static Recorder open(Path dir, Rotation rotation) {
    try {
      Files.createDirectories(dir);
      long recovered = 0;
      for (Path partial : list(dir, RecordingFormat.IN_PROGRESS)) {
        recovered += recover(partial);
      }
      Map<TopicPartition, Long> next = new HashMap<>();
      long last = 0;
      for (Path file : finished(dir)) {
        last = Math.max(last, RecordingFormat.number(file));
        try (DataFileReader<GenericRecord> reader = reader(file)) {
          for (GenericRecord r : reader) {
            TopicPartition tp = new TopicPartition(r.get("topic").toString(), (Integer) r.get("partition"));
            next.merge(tp, (Long) r.get("offset") + 1, Math::max);
          }
        }
      }
      return new Recorder(dir, rotation, next, last + 1, recovered);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the recording in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Records a crashed recorder's file held, kept by {@link #open}. */
  public long recovered() {
    return recovered;
  }

  /** Where each partition recorded so far continues: the offset after the last one the files hold. */
  public Map<TopicPartition, Long> positions() {
    return Map.copyOf(next);
  }

  /**
   * Records {@code topics} until {@code stop} says so (checked after every poll), or, with {@code
   * untilCaughtUp}, until every partition reaches the end offsets it had when the run began.
   *
   * @param kafka the cluster to record from, with its security settings
   * @param consumerProperties further consumer settings (poll sizes, for example); may be empty
   * @param progress called after every poll that wrote records, and at the end
   * @return the final progress
   * @throws IllegalArgumentException if a topic does not exist
   */
  public Progress run(KafkaConnection kafka, List<String> topics, Properties consumerProperties,
      boolean untilCaughtUp, BooleanSupplier stop, Consumer<Progress> progress) {
    Properties props = kafka.clientProperties();
    props.putAll(consumerProperties);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "dualstream-recorder");
    long records = 0;
    int finishedFiles = 0;
    Map<String, Long> perTopic = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = partitions(consumer, topics);
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        Long at = next.get(tp);
        if (at == null) {
          consumer.seekToBeginning(List.of(tp));
        } else {
          consumer.seek(tp, at);
        }
      }
      Map<TopicPartition, Long> end = untilCaughtUp ? consumer.endOffsets(partitions) : Map.of();
      OpenFile file = null;
      try {
        boolean caughtUp = untilCaughtUp && caughtUp(consumer, end);
        while (!caughtUp && !stop.getAsBoolean()) {
          List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>();
          consumer.poll(POLL).forEach(polled::add);
          if (!polled.isEmpty()) {
            if (file == null) {
              file = OpenFile.create(dir, nextFile++);
            }
            for (ConsumerRecord<byte[], byte[]> r : polled) {
              file.append(RecordingFormat.toAvro(toRecord(r)));
              next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
              perTopic.merge(r.topic(), 1L, Long::sum);
            }
            records += polled.size();
            file.sync();
          }
          if (file != null && file.due(rotation)) {
            file.finish();
            file = null;
            finishedFiles++;
          }
          caughtUp = untilCaughtUp && caughtUp(consumer, end);
          if (!polled.isEmpty()) {
            progress.accept(new Progress(records, finishedFiles, Map.copyOf(perTopic), caughtUp));
          }
        }
        if (file != null) {
          file.finish();
          file = null;
          finishedFiles++;
        }
        Progress last = new Progress(records, finishedFiles, Map.copyOf(perTopic), caughtUp);
        progress.accept(last);
        return last;
      } finally {
        if (file != null) {
          file.abandon();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the recording in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, List<String> topics) {
    Map<String, List<PartitionInfo>> all = consumer.listTopics(Duration.ofSeconds(30));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = all.get(topic);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist");
      }
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static KafkaRecord toRecord(ConsumerRecord<byte[], byte[]> r) {
    List<Header> headers = new ArrayList<>();
    r.headers().forEach(h -> headers.add(new Header(h.key(), h.value())));
    return new KafkaRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType().name,
        r.key(), r.value(), headers);
  }

  /** The finished files of a recording, in the order they were written. */
  public static List<Path> finished(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path p : list(dir, ".avro")) {
      if (RecordingFormat.number(p) >= 0) {
        files.add(p);
      }
    }
    files.sort((a, b) -> Long.compare(RecordingFormat.number(a), RecordingFormat.number(b)));
    return files;
  }

  private static List<Path> list(Path dir, String suffix) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  static DataFileReader<GenericRecord> reader(Path file) throws IOException {
    try {
      return new DataFileReader<>(file.toFile(), new GenericDatumReader<>(RecordingFormat.SCHEMA));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not a recording file: " + e.getMessage(), e);
    }
  }

  /**
   * Finishes the file a crashed recorder left: copies its whole records (up to the first torn or damaged
   * block) into the file's final name and deletes it. Returns the records kept.
   */
  private static long recover(Path partial) throws IOException {
    String name = partial.getFileName().toString();
    Path target = partial.resolveSibling(name.substring(0, name.length() - RecordingFormat.IN_PROGRESS.length()));
    List<GenericRecord> kept = new ArrayList<>();
    try (DataFileReader<GenericRecord> reader = new DataFileReader<>(partial.toFile(),
        new GenericDatumReader<>(RecordingFormat.SCHEMA))) {
      while (reader.hasNext()) {
        kept.add(reader.next());
      }
    } catch (IOException | RuntimeException torn) {
      // The rest of the file was never synced: its records are read from Kafka again.
    }
    if (!kept.isEmpty()) {
      Path tmp = partial.resolveSibling(name + ".recovered");
      try (DataFileWriter<GenericRecord> writer = writer()) {
        writer.create(RecordingFormat.SCHEMA, tmp.toFile());
        for (GenericRecord r : kept) {
          writer.append(r);
        }
        writer.fSync();
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.delete(partial);
    return kept.size();
  }

  private static DataFileWriter<GenericRecord> writer() {
    return new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(RecordingFormat.SCHEMA))
        .setCodec(CodecFactory.deflateCodec(1));
  }

  /** The file being written. */
  private static final class OpenFile {
    private final Path partial;
    private final Path target;
    private final DataFileWriter<GenericRecord> writer;
    private final long opened = System.nanoTime();
    private long bytes;

    private OpenFile(Path partial, Path target, DataFileWriter<GenericRecord> writer) {
      this.partial = partial;
      this.target = target;
      this.writer = writer;
    }

    static OpenFile create(Path dir, long number) throws IOException {
      Path target = dir.resolve(RecordingFormat.fileName(number));
      Path partial = dir.resolve(target.getFileName() + RecordingFormat.IN_PROGRESS);
      DataFileWriter<GenericRecord> writer = writer();
      File file = partial.toFile();
      writer.create(RecordingFormat.SCHEMA, file);
      return new OpenFile(partial, target, writer);
    }

    void append(GenericRecord record) throws IOException {
      writer.append(record);
    }

    /** Ends the current block and forces it to disk. */
    void sync() throws IOException {
      writer.fSync();
      bytes = Files.size(partial);
    }

    boolean due(Rotation rotation) {
      return bytes >= rotation.maxFileBytes() || System.nanoTime() - opened >= rotation.maxFileAge().toNanos();
    }

    void finish() throws IOException {
      writer.fSync();
      writer.close();
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Leaves the file to the next {@link #open}, which keeps what was synced. */
    void abandon() {
      try {
        writer.close();
      } catch (IOException | RuntimeException ignored) {
        // open() recovers what reached the disk.
      }
    }
  }
}
