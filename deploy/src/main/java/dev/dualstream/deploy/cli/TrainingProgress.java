package dev.dualstream.deploy.cli;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Prints training progress as it happens: the trainer's metrics topic read uncommitted (the exactly-once sink
 * makes them visible to read_committed readers only when a checkpoint completes, which would show progress in
 * bursts), from the end at start, at most one line per interval with the newest record. For the console only:
 * anything that counts reads committed.
 */
final class TrainingProgress implements AutoCloseable {
  private final KafkaConsumer<String, TrainingMetrics> consumer;
  private final Thread thread;
  private volatile boolean stopped;

  private TrainingProgress(KafkaConsumer<String, TrainingMetrics> consumer, Thread thread) {
    this.consumer = consumer;
    this.thread = thread;
  }

  static TrainingProgress start(KafkaConnection kafka, Topic<String, TrainingMetrics> topic, Duration every,
      PrintWriter out) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "dualstream-train-console-" + UUID.randomUUID());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, TrainingMetrics> consumer = new KafkaConsumer<>(config,
        topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    TrainingProgress[] self = new TrainingProgress[1];
    Thread thread = new Thread(() -> self[0].loop(topic, every, out), "dualstream-train-progress");
    thread.setDaemon(true);
    self[0] = new TrainingProgress(consumer, thread);
    thread.start();
    return self[0];
  }

  private void loop(Topic<String, TrainingMetrics> topic, Duration every, PrintWriter out) {
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      TrainingMetrics newest = null;
      long nextLine = System.nanoTime() + every.toNanos();
      while (!stopped) {
        for (ConsumerRecord<String, TrainingMetrics> r : consumer.poll(Duration.ofMillis(500))) {
          if (newest == null || r.value().getStep() >= newest.getStep()) {
            newest = r.value();
          }
        }
        if (newest != null && System.nanoTime() >= nextLine) {
          out.println(String.format("train: step %,d, %,d examples, loss %.4f, %,.0f examples/s, event time lag %.1f s",
              newest.getStep(), newest.getExamples(), newest.getLoss(), newest.getExamplesPerS(),
              Math.max(0, newest.getEventTimeLagMs()) / 1000.0));
          newest = null;
          nextLine = System.nanoTime() + every.toNanos();
        }
      }
    } catch (WakeupException | InterruptException e) {
      // closing
    } catch (RuntimeException e) {
      out.println("train: progress lines stopped: " + e.getMessage());
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() {
    stopped = true;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
