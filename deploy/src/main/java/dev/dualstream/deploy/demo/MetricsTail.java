package dev.dualstream.deploy.demo;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows {@code training.metrics} and {@code models.versions} on a background thread and reports
 * training progress as it happens: the demo learns what the trainer does the way any consumer would.
 */
final class MetricsTail implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final AtomicReference<ModelVersion> latest = new AtomicReference<>();
  private final CountDownLatch firstVersion = new CountDownLatch(1);
  private volatile boolean running = true;

  private MetricsTail(String bootstrap, long totalExamples, BiConsumer<String, Object[]> say) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "dualstream-demo-console-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.TRAINING_METRICS.name(), Topics.MODEL_VERSIONS.name()));
    thread = new Thread(() -> follow(totalExamples, say), "dualstream-demo-metrics");
    thread.setDaemon(true);
  }

  static MetricsTail start(String bootstrap, long totalExamples, Say say) {
    MetricsTail tail = new MetricsTail(bootstrap, totalExamples, say::say);
    tail.thread.start();
    return tail;
  }

  /** The newest announced version, waiting up to {@code timeout} for the first one. */
  Optional<ModelVersion> awaitVersion(Duration timeout) throws InterruptedException {
    firstVersion.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return Optional.ofNullable(latest.get());
  }

  private void follow(long totalExamples, BiConsumer<String, Object[]> say) {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.topic().equals(Topics.TRAINING_METRICS.name())) {
            TrainingMetrics m = Topics.TRAINING_METRICS.codec().decode(r.value());
            say.accept("train: step %,d, %,d of %,d examples (%.0f%%), loss %.3f, %,.0f examples/s",
                new Object[] {m.getStep(), m.getExamples(), totalExamples,
                    100.0 * m.getExamples() / Math.max(1, totalExamples), m.getLoss(), m.getExamplesPerS()});
          } else {
            ModelVersion v = Topics.MODEL_VERSIONS.codec().decode(r.value());
            latest.set(v);
            firstVersion.countDown();
            say.accept("train: model version %d announced (%s)", new Object[] {v.getVersion(), v.getUri()});
          }
        }
      }
    } catch (WakeupException stopping) {
      // close() asked us to stop
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where progress lines go. */
  @FunctionalInterface
  interface Say {
    void say(String format, Object... args);
  }
}
