package dev.dualstream.deploy.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.SystemMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the loop's evaluator scored: every version's result in version order, as committed to {@code
 * evaluation.results}. As JSON: {@code {"dataset": ..., "versions": [{"version", "examples", "recall@10",
 * "mrr@10", "hybrid_recall@10", "hybrid_mrr@10"}, ...], "results": [{"system", "recall@1", "recall@10",
 * "recall@100", "mrr@10", "ndcg@10"}, ...], "examples_ingested": n, "examples_applied": n, "versions_published":
 * n, "served": name}}, the results being the last version's of the served model; with students, "versions" holds
 * each model's, named by "model".
 *
 * @param examplesIngested committed records of {@code training.examples}
 * @param examplesApplied the examples the trainer applied, by its last committed {@code training.metrics}
 *     record (metrics are reported every few steps, so it may trail the true count by those steps)
 * @param versionsPublished committed records of {@code models.versions}: every version is scored when {@code
 *     versions} holds as many
 */
public record LoopReport(String dataset, List<EvaluationResult> versions, long examplesIngested,
    long examplesApplied, long versionsPublished, String served) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public LoopReport {
    versions = List.copyOf(versions);
  }

  /** Reads every committed result (read_committed) from the beginning to the end offsets seen now. */
  static LoopReport read(String bootstrapServers, String dataset, String served) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, "dualstream-up-report-" + UUID.randomUUID(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<EvaluationResult> results = new ArrayList<>();
    try (KafkaConsumer<String, EvaluationResult> consumer = new KafkaConsumer<>(config,
        Topics.EVALUATION_RESULTS.keySerde().deserializer(), Topics.EVALUATION_RESULTS.valueSerde().deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.EVALUATION_RESULTS.name(), Duration.ofSeconds(30))
          .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, EvaluationResult> r : consumer.poll(Duration.ofMillis(200))) {
          results.add(r.value());
        }
      }
    }
    results.sort(Comparator.comparing(EvaluationResult::getModel).thenComparingLong(EvaluationResult::getVersion));
    Counts counts = counts(bootstrapServers);
    return new LoopReport(dataset, results, counts.ingested(), counts.applied(),
        scoring(bootstrapServers).published(), served);
  }

  /**
   * Examples committed to {@code training.examples}, and the most any committed {@code training.metrics} record
   * says the trainer applied.
   */
  record Counts(long ingested, long applied) {}

  /** Reads both counts (read_committed) to the end offsets seen now. */
  static Counts counts(String bootstrapServers) {
    KafkaConnection kafka = KafkaConnection.plaintext(bootstrapServers);
    Duration timeout = Duration.ofSeconds(60);
    long ingested = CommittedRecords.read(kafka, Topics.TRAINING_EXAMPLES.name(), timeout, r -> { });
    long[] applied = {0};
    CommittedRecords.read(kafka, Topics.TRAINING_METRICS.name(), timeout, r -> applied[0] =
        Math.max(applied[0], Topics.TRAINING_METRICS.codec().decode(r.value()).getExamples()));
    return new Counts(ingested, applied[0]);
  }

  /**
   * Versions committed to {@code models.versions}, and results committed to {@code evaluation.results}: one per
   * version the evaluator has scored.
   */
  record Scoring(long published, long scored) {}

  /** Reads both counts (read_committed) to the end offsets seen now. */
  static Scoring scoring(String bootstrapServers) {
    KafkaConnection kafka = KafkaConnection.plaintext(bootstrapServers);
    Duration timeout = Duration.ofSeconds(60);
    return new Scoring(CommittedRecords.read(kafka, Topics.MODEL_VERSIONS.name(), timeout, r -> { }),
        CommittedRecords.read(kafka, Topics.EVALUATION_RESULTS.name(), timeout, r -> { }));
  }

  /** The served model's last version's result, if any of its versions was scored. */
  public Optional<EvaluationResult> last() {
    return versions.stream().filter(r -> r.getModel().equals(served))
        .reduce((first, second) -> second);
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("dataset", dataset);
    ArrayNode list = root.putArray("versions");
    for (EvaluationResult r : versions) {
      ObjectNode v = list.addObject();
      v.put("model", r.getModel());
      v.put("version", r.getVersion());
      v.put("examples", r.getExamples());
      system(r, "dense").ifPresent(m -> v.put("recall@10", m.getRecallAt10()).put("mrr@10", m.getMrrAt10()));
      system(r, "hybrid").ifPresent(m -> v.put("hybrid_recall@10", m.getRecallAt10()).put("hybrid_mrr@10", m.getMrrAt10()));
      if (r.getHybridWeight() != null) {
        v.put("hybrid_weight", r.getHybridWeight());
      }
      v.put("evaluation_seconds", r.getSeconds());
    }
    root.put("examples_ingested", examplesIngested);
    root.put("examples_applied", examplesApplied);
    root.put("versions_published", versionsPublished);
    root.put("served", served);
    ArrayNode results = root.putArray("results");
    last().ifPresent(r -> {
      root.put("split", r.getSplit());
      root.put("queries", r.getQueries());
      for (SystemMetrics m : r.getSystems()) {
        results.addObject().put("system", m.getSystem()).put("recall@1", m.getRecallAt1())
            .put("recall@10", m.getRecallAt10()).put("recall@100", m.getRecallAt100()).put("mrr@10", m.getMrrAt10())
            .put("ndcg@10", m.getNdcgAt10());
      }
    });
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void write(Path file) {
    try {
      Files.writeString(file, toJson() + System.lineSeparator());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static Optional<SystemMetrics> system(EvaluationResult r, String name) {
    return r.getSystems().stream().filter(m -> m.getSystem().equals(name)).findFirst();
  }
}
