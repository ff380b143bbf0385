package dev.dualstream.deploy.bench;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes a pre-recorded stream of training examples, as ingest would write them, with each
 * example's event time set to the moment it is sent: the replay stands in for users clicking now,
 * so the time from event time to the training step that applies it is the pipeline's freshness.
 * Cycles through the pairs; paced to a rate, or as fast as the broker takes them.
 */
final class ExampleReplayer implements AutoCloseable {

  private final Topic<String, TrainingExample> topic;
  private final List<BenchPairs.TextPair> pairs;
  private final KafkaProducer<String, TrainingExample> producer;
  private final LongSupplier clock;
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private long sent;
  /** Told of each example acknowledged while set. */
  private volatile ClickToVersion recorder;

  ExampleReplayer(String bootstrapServers, Topic<String, TrainingExample> topic,
      List<BenchPairs.TextPair> pairs) {
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("nothing to replay");
    }
    this.topic = topic;
    this.pairs = pairs;
    this.clock = System::currentTimeMillis;
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 2,
        ProducerConfig.BATCH_SIZE_CONFIG, 1 << 18),
        topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  /** Sends {@code count} examples as fast as possible and waits until the broker has them all. */
  void burst(long count) {
    for (long i = 0; i < count; i++) {
      send();
    }
    flush();
  }

  /**
   * Sends at {@code perSecond} for {@code seconds}, each example on its due time (a late one goes
   * at once, so the average rate holds), and flushes.
   */
  void paced(double perSecond, double seconds) throws InterruptedException {
    long start = System.nanoTime();
    long total = (long) (perSecond * seconds);
    for (long i = 0; i < total; i++) {
      long due = start + (long) (i * 1e9 / perSecond);
      long wait = due - System.nanoTime();
      if (wait > 200_000) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      send();
    }
    flush();
  }

  long sent() {
    return sent;
  }

  /** Tells {@code value} of every example sent from now on, once the broker has it; null stops. */
  void recordInto(ClickToVersion value) {
    recorder = value;
  }

  private void send() {
    BenchPairs.TextPair pair = pairs.get((int) (sent % pairs.size()));
    long now = clock.getAsLong();
    String id = "bench-" + sent;
    ExampleDoc positive = ExampleDoc.newBuilder().setDocId(pair.document().id())
        .setTitle(pair.document().title()).setText(pair.document().text()).setVersion(1L)
        .setPosition(1).setLoggingScore(1.0).setPropensity(1.0).build();
    SourceOffset origin = SourceOffset.newBuilder().setTopic("bench-replay").setPartition(0)
        .setOffset(sent).build();
    TrainingExample example = TrainingExample.newBuilder().setExampleId(id + "/" + pair.document().id())
        .setQuery(pair.query()).setQueryId(pair.queryId()).setUserId("bench-user")
        .setPositive(positive).setSkipAbove(List.of()).setEventTime(Instant.ofEpochMilli(now))
        .setImpression(origin).setClick(origin).build();
    ClickToVersion recording = recorder;
    producer.send(new ProducerRecord<>(topic.name(), null, now, id, example), (metadata, e) -> {
      if (e != null) {
        failure.compareAndSet(null, e);
      } else if (recording != null) {
        recording.sent(metadata.partition(), metadata.offset(), now);
      }
    });
    sent++;
  }

  private void flush() {
    producer.flush();
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("the broker refused replayed examples: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }

}
