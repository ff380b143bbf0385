package dev.dualstream.evaluator.record;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.evaluator.record.RecordingFormat.KafkaRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays a recording ({@link RecordingFormat}) back into Kafka: every record to the same partition of the
 * topic of the same name (after an optional prefix), with its key, value, headers and timestamp, in the
 * order it was recorded (so each partition's records in offset order), paced by the recorded timestamps at a
 * chosen speed or as fast as the broker takes them. It streams the files one record at a time, so memory
 * stays flat whatever the recording's size. Records are sent idempotently (acks=all), so a broker's retries
 * never duplicate one.
 */
public final class Replayer {
  /**
   * How to replay.
   *
   * @param speed how many recorded seconds pass per second of replay; 0 for as fast as possible
   * @param topicPrefix prepended to every topic name ("" for none)
   */
  public record Options(double speed, String topicPrefix) {
    public Options {
      Objects.requireNonNull(topicPrefix, "topicPrefix");
      if (!(speed >= 0) || Double.isInfinite(speed)) {
        throw new IllegalArgumentException("speed must be 0 (as fast as possible) or positive, got " + speed);
      }
    }

    /**
     * Reads a speed as the CLI writes it: {@code max}, or a factor such as {@code 1x}, {@code 10x}, {@code 0.5x}.
     *
     * @throws IllegalArgumentException in one line, for anything else
     */
    public static double parseSpeed(String text) {
      String t = text.trim().toLowerCase(java.util.Locale.ROOT);
      if (t.equals("max")) {
        return 0;
      }
      try {
        double factor = Double.parseDouble(t.endsWith("x") ? t.substring(0, t.length() - 1) : t);
        if (factor > 0 && !Double.isInfinite(factor)) {
          return factor;
        }
      } catch (NumberFormatException e) {
        // Falls through to the message below.
      }
      throw new IllegalArgumentException("speed is max or a positive factor such as 1x or 10x, got '" + text + "'");
    }
  }

  /** How far a replay has come; {@code total} is the recording's record count. */
  public record Progress(long sent, long total, double recordsPerSecond, Duration eta) {}

  /** What a recording holds: its records, and the partitions per topic a target needs. */
  public record Contents(long records, Map<String, Integer> partitionsPerTopic, List<Path> files) {}

  private static final long PROGRESS_NANOS = 2_000_000_000L;

  private Replayer() {}

  /**
   * Counts a recording's records and partitions (reading every file once).
   *
   * @throws IllegalArgumentException if the directory holds no recording file, or a file is not one
   */
  public static Contents contents(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(dir + " is not a directory");
      }
      List<Path> files = Recorder.finished(dir);
      if (files.isEmpty()) {
        throw new IllegalArgumentException(dir + " holds no recording files (recording-NNNNNN.avro)");
      }
      long records = 0;
      Map<String, Integer> partitions = new TreeMap<>();
      for (Path file : files) {
        try (DataFileReader<GenericRecord> reader = Recorder.reader(file)) {
          GenericRecord reuse = null;
          while (reader.hasNext()) {
            reuse = reader.next(reuse);
            partitions.merge(reuse.get("topic").toString(), (Integer) reuse.get("partition") + 1, Math::max);
            records++;
          }
        }
      }
      return new Contents(records, partitions, files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the recording in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replays a recording until its end or until {@code stop} says so.
   *
   * @param kafka the cluster to replay into, with its security settings
   * @param progress called about every two seconds and at the end
   * @return the records sent, all acknowledged by the broker
   * @throws IllegalArgumentException if a target topic is missing or has fewer partitions than recorded
   */
  public static long replay(Path dir, KafkaConnection kafka, Options options, BooleanSupplier stop,
      Consumer<Progress> progress) throws InterruptedException {
    Contents contents = contents(dir);
    checkTargets(kafka, contents, options.topicPrefix());
    Properties props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "dualstream-replayer");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = System.nanoTime();
      long lastReport = start;
      long firstTimestamp = Long.MIN_VALUE;
      long sent = 0;
      List<Future<RecordMetadata>> inFlight = new ArrayList<>();
      for (Path file : contents.files()) {
        try (DataFileReader<GenericRecord> reader = Recorder.reader(file)) {
          while (reader.hasNext() && !stop.getAsBoolean()) {
            KafkaRecord r = RecordingFormat.fromAvro(reader.next());
            if (firstTimestamp == Long.MIN_VALUE) {
              firstTimestamp = r.timestamp();
            }
            if (options.speed() > 0) {
              long due = start + (long) ((r.timestamp() - firstTimestamp) * 1e6 / options.speed());
              long wait = due - System.nanoTime();
              if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
              }
            }
            RecordHeaders headers = new RecordHeaders();
            r.headers().forEach(h -> headers.add(new RecordHeader(h.key(), h.value())));
            inFlight.add(producer.send(new ProducerRecord<>(options.topicPrefix() + r.topic(), r.partition(),
                r.timestamp(), r.key(), r.value(), headers)));
            sent++;
            if (inFlight.size() >= 10_000) {
              await(inFlight);
            }
            long now = System.nanoTime();
            if (now - lastReport >= PROGRESS_NANOS) {
              lastReport = now;
              progress.accept(progress(sent, contents.records(), now - start));
            }
          }
        }
        if (stop.getAsBoolean()) {
          break;
        }
      }
      producer.flush();
      await(inFlight);
      progress.accept(progress(sent, contents.records(), System.nanoTime() - start));
      return sent;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the recording in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Progress progress(long sent, long total, long nanos) {
    double rate = nanos > 0 ? sent / (nanos / 1e9) : 0;
    Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - sent) / rate * 1000)) : Duration.ZERO;
    return new Progress(sent, total, rate, eta);
  }

  /** Every target topic must exist with at least the recorded partitions; all problems are told at once. */
  private static void checkTargets(KafkaConnection kafka, Contents contents, String prefix)
      throws InterruptedException {
    Map<String, String> problems = new TreeMap<>();
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> present = new ArrayList<>();
      contents.partitionsPerTopic().forEach((topic, needed) -> {
        if (existing.contains(prefix + topic)) {
          present.add(prefix + topic);
        } else {
          problems.put(prefix + topic, "does not exist; create it with at least " + partitions(needed));
        }
      });
      Map<String, TopicDescription> described = admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
      contents.partitionsPerTopic().forEach((topic, needed) -> {
        TopicDescription d = described.get(prefix + topic);
        if (d != null && d.partitions().size() < needed) {
          problems.put(prefix + topic, "has " + partitions(d.partitions().size()) + ", the recording needs "
              + needed);
        }
      });
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalArgumentException("cannot look up the target topics on " + kafka + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("cannot replay into " + problems);
    }
  }

  private static String partitions(int n) {
    return n + (n == 1 ? " partition" : " partitions");
  }

  private static void await(List<Future<RecordMetadata>> inFlight) throws InterruptedException {
    try {
      for (Future<RecordMetadata> f : inFlight) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("the broker refused a replayed record: " + e.getCause().getMessage(),
          e.getCause());
    }
    inFlight.clear();
  }
}
