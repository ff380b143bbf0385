package dev.dualstream.evaluator.follow;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SystemMetrics;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.VersionLease;
import dev.dualstream.trainer.model.RetrievalModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Scores every committed model version as it appears: reads {@code models.versions} (read_committed, so a
 * version is seen once its checkpoint completed), loads each version from the model store, scores it with
 * {@link VersionEvaluation} (dense, hybrid, BM25 on the test split) and writes one {@link EvaluationResult}
 * to {@code evaluation.results}. The result and the consumer's offset go in one Kafka transaction, so a
 * restarted follower carries on with the next version and writes no result twice. A version that cannot
 * be loaded (its directory is gone) is reported and passed over.
 */
public final class VersionFollower implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * @param groupId consumer group (where the follower is in models.versions) and transactional id prefix
   * @param split the split scored
   * @param limit at most this many queries per split; 0 for all
   */
  public record Settings(KafkaConnection kafka, String groupId, String split, int limit) {
    public Settings {
      Objects.requireNonNull(kafka, "kafka");
      Objects.requireNonNull(groupId, "groupId");
      Objects.requireNonNull(split, "split");
    }
  }

  /** What one version's evaluation said, for the console. */
  public record Scored(ModelVersion version, EvaluationResult result) {}

  private final BeirDataset dataset;
  private final Settings settings;
  private final VersionEvaluation evaluation;
  private final Bm25Index bm25;
  private final KafkaConsumer<String, ModelVersion> consumer;
  private final KafkaProducer<String, EvaluationResult> producer;
  private final Consumer<String> log;

  public VersionFollower(BeirDataset dataset, Settings settings, Consumer<String> log) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.log = Objects.requireNonNull(log, "log");
    this.evaluation = new VersionEvaluation(dataset, settings.split(), settings.limit(), log);
    this.bm25 = Bm25Index.build(dataset.corpus());
    Map<String, Object> c = settings.kafka().clientConfig();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    // One version's evaluation indexes the corpus and scores thousands of queries: allow it time.
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(30).toMillis());
    this.consumer = new KafkaConsumer<>(c, Topics.MODEL_VERSIONS.keySerde().deserializer(),
        Topics.MODEL_VERSIONS.valueSerde().deserializer());
    Map<String, Object> p = settings.kafka().clientConfig();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.groupId() + "-results");
    this.producer = new KafkaProducer<>(p, Topics.EVALUATION_RESULTS.keySerde().serializer(),
        Topics.EVALUATION_RESULTS.valueSerde().serializer());
    producer.initTransactions();
    consumer.subscribe(List.of(Topics.MODEL_VERSIONS.name()));
  }

  /** Follows until {@code stop} says so (checked between polls and versions); returns the versions scored. */
  public long run(BooleanSupplier stop, Consumer<Scored> scored) {
    long done = 0;
    while (!stop.getAsBoolean()) {
      for (ConsumerRecord<String, ModelVersion> record : consumer.poll(POLL)) {
        EvaluationResult result = score(record.value());
        producer.beginTransaction();
        if (result != null) {
          producer.send(new ProducerRecord<>(Topics.EVALUATION_RESULTS.name(), result.getModel(), result));
        }
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition(record.topic(), record.partition()),
            new OffsetAndMetadata(record.offset() + 1)), consumer.groupMetadata());
        producer.commitTransaction();
        if (result != null) {
          done++;
          scored.accept(new Scored(record.value(), result));
        }
        if (stop.getAsBoolean()) {
          break;
        }
      }
    }
    return done;
  }

  /** Scores one version, or says why it cannot and returns null. */
  private EvaluationResult score(ModelVersion version) {
    Path dir;
    try {
      dir = Path.of(URI.create(version.getUri()));
    } catch (IllegalArgumentException e) {
      log.accept("skipped version " + version.getVersion() + " of " + version.getModel() + ": bad uri " + version.getUri());
      return null;
    }
    // The lease keeps the trainer's retention off the version until it is scored.
    VersionLease lease;
    RetrievalModel model;
    try {
      lease = VersionLease.take(dir, "evaluator");
    } catch (IllegalArgumentException e) {
      log.accept("skipped version " + version.getVersion() + " of " + version.getModel() + ": " + e.getMessage());
      return null;
    }
    try {
      model = ModelStore.load(dir);
    } catch (IllegalArgumentException e) {
      lease.close();
      log.accept("skipped version " + version.getVersion() + " of " + version.getModel() + ": " + e.getMessage());
      return null;
    }
    try (lease; model) {
      VersionEvaluation.Result r = evaluation.run(model, bm25, Map.of());
      return EvaluationResult.newBuilder()
          .setModel(version.getModel())
          .setVersion(version.getVersion())
          .setStep(version.getStep())
          .setExamples(version.getExamples())
          .setVersionTime(version.getTimestamp())
          .setDataset(dataset.name())
          .setSplit(settings.split())
          .setQueries(r.report().queries())
          .setHybridWeight(r.hybrid().map(h -> h.weight()).orElse(null))
          .setTuningSplit(r.hybrid().map(h -> h.split()).orElse(null))
          .setSystems(r.report().results().stream().map(VersionFollower::metrics).toList())
          .setSeconds(r.seconds())
          .setTimestamp(Instant.now())
          .build();
    }
  }

  private static SystemMetrics metrics(SystemResult s) {
    return new SystemMetrics(s.system(), s.metrics().recallAt1(), s.metrics().recallAt10(), s.metrics().recallAt100(),
        s.metrics().mrrAt10(), s.metrics().ndcgAt10());
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(10));
    producer.close(Duration.ofSeconds(10));
    bm25.close();
  }
}
