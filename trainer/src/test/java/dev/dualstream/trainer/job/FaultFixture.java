package dev.dualstream.trainer.job;

import dev.dualstream.schemas.KafkaConnection;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Shared by the fault tests: a tiny deterministic model, input written to prefixed topics of one
 * partition, read_committed readers of the outputs, and the exactly-once assertions.
 */
final class FaultFixture {
  static final int BATCH = 32;
  static final int VERSION_EVERY_STEPS = 40;
  static final int METRICS_EVERY_STEPS = 5;
  /**
   * With a negative cache, label bias (a popularity sketch), uniform negatives (the document pool
   * and the objective's random state) and the memory of clicked documents, so that the bit-identical
   * comparison covers the negative objective's state as well as parameters and optimizer.
   */
  static final ModelConfig TINY = ModelConfig.defaults().toBuilder()
      .buckets(1 << 12).dims(16, 32, 16).batchSize(BATCH).learningRate(5e-3).threads(1)
      .negatives(NegativeConfig.defaults().withCache(256, 0).withUniform(1).withPopularity(1 << 12, 3, 1.0)
          .withClickedMemory(1 << 10))
      .loss(LossConfig.defaults().withLabelBias(0.5))
      .build();
  /**
   * A student in every fault test's job: its parameters, optimizer state and versions must survive the
   * failures as the model's do. RankDistil, so its seeded draws of teacher orders are covered too, from the
   * joint teacher, whose head and optimizer state must survive as well: the student learns from its scores.
   */
  static final StudentSpec STUDENT = new StudentSpec(
      TINY.toBuilder().modelName("tiny-student").buckets(1 << 10).dims(8, 16, 8).build(),
      DistillationConfig.defaults().withKind(DistillationConfig.Kind.RANK_DISTIL).withRankDistil(4, 2)
          .withClickWeight(0.3), true);
  /** Where the student's files sit among {@link #stateFiles}. */
  private static final String STUDENT_PREFIX = "student/";
  /** Files of a trainer checkpoint that are not model state: provenance differs between runs by design. */
  private static final Set<String> NOT_STATE = Set.of("manifest.json", VersionLedger.COMMITTED_MARKER);

  private FaultFixture() {}

  /** Deterministic, bounded, checkpointing every 100 ms, restarting after 100 ms, at most 10 times. */
  static TrainerOptions options(KafkaBroker broker, String prefix, Path work) {
    return options(broker.bootstrapServers(), prefix, work);
  }

  static TrainerOptions options(String bootstrapServers, String prefix, Path work) {
    CheckpointSettings checkpoints = CheckpointSettings.defaults()
        .withDirectory(work.resolve("checkpoints"))
        .withInterval(Duration.ofMillis(100))
        .withTimeout(Duration.ofSeconds(60))
        .withRestarts(10, Duration.ofMillis(100))
        .withTransactionTimeout(Duration.ofMinutes(5));
    return TrainerOptions.defaults(KafkaConnection.plaintext(bootstrapServers))
        .withTopics(TrainerTopics.prefixed(prefix))
        .withGroupId(prefix + "trainer")
        .withModelStore(work.resolve("models"))
        .withModel(TINY)
        .withBounded(true)
        .withDeterministic(true)
        .withIntervals(METRICS_EVERY_STEPS, VERSION_EVERY_STEPS)
        // every announced version stays, so the tests can hold the store against the announcements;
        // retention has tests of its own (VersionLedgerTest)
        .withKeepVersions(0)
        .withStudents(List.of(STUDENT))
        .withCheckpoints(checkpoints);
  }

  /** Creates the prefixed topics (one partition each) and writes {@code n} examples, the same for every prefix. */
  static void produce(KafkaBroker broker, TrainerTopics topics, int n) throws Exception {
    broker.createTopics(1, topics.input().name(), topics.metrics().name(), topics.versions().name(),
        topics.deadLetters().name());
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    Random random = new Random(7);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < n; i++) {
        TrainingExample example = example(i, random);
        producer.send(new ProducerRecord<>(topics.input().name(),
            example.getExampleId().getBytes(StandardCharsets.UTF_8), Topics.TRAINING_EXAMPLES.codec().encode(example)));
      }
      producer.flush();
    }
  }

  private static TrainingExample example(int i, Random random) {
    String[] families = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};
    String family = families[random.nextInt(families.length)];
    int n = random.nextInt(200);
    String query = family + " tool " + n;
    return TrainingExample.newBuilder()
        .setExampleId("ex-" + i)
        .setQuery(query)
        .setUserId("u" + (i % 17))
        .setPositive(new ExampleDoc("doc-" + family + n, family + "-" + n, query + " helps with " + family, 1L, 1, 1.0,
            1.0, null))
        .setSkipAbove(List.of())
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
        .setImpression(new SourceOffset(Topics.IMPRESSIONS.name(), 0, (long) i))
        .setClick(new SourceOffset(Topics.CLICKS.name(), 0, (long) i))
        .build();
  }

  /** Every committed record of a topic, in order, read until the topic has been idle for two seconds. */
  static <V extends SpecificRecordBase> List<V> readCommitted(KafkaBroker broker, Topic<String, V> topic) {
    return readCommitted(broker, topic, 0);
  }

  /**
   * Every committed record of a topic, in order: at least {@code atLeast} of them (or what came within
   * 30 s), read until the topic has then been idle for two seconds.
   */
  static <V extends SpecificRecordBase> List<V> readCommitted(KafkaBroker broker, Topic<String, V> topic,
      int atLeast) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "read-" + topic.name() + "-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<V> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic.name()));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int idlePolls = 0;
      while (System.nanoTime() < deadline && (values.size() < atLeast || idlePolls < 4)) {
        var records = consumer.poll(Duration.ofMillis(500));
        idlePolls = records.isEmpty() ? idlePolls + 1 : 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
          values.add(topic.codec().decode(r.value()));
        }
      }
    }
    return values;
  }

  static Path dir(ModelVersion version) {
    return Path.of(URI.create(version.getUri()));
  }

  /** The run's end: the last version announces every example once, and so do the last metrics. */
  static ModelVersion assertEveryExampleAppliedOnce(List<ModelVersion> all, List<TrainingMetrics> allMetrics,
      int examples) {
    for (String student : List.of(STUDENT.name())) {
      List<ModelVersion> own = of(all, student);
      assertTrue(!own.isEmpty(), "student versions announced");
      assertEquals(examples, own.get(own.size() - 1).getExamples(), "the student applied every example once");
      List<TrainingMetrics> reports = allMetrics.stream().filter(m -> m.getModel().equals(student)).toList();
      assertEquals(examples, reports.get(reports.size() - 1).getExamples(), "the student's last metrics");
    }
    List<ModelVersion> versions = of(all, TINY.modelName());
    List<TrainingMetrics> metrics = allMetrics.stream().filter(m -> m.getModel().equals(TINY.modelName())).toList();
    assertTrue(!versions.isEmpty(), "versions announced");
    ModelVersion last = versions.get(versions.size() - 1);
    assertEquals(examples, last.getExamples(), "examples applied == examples in the stream");
    assertEquals(examples / BATCH, last.getStep());
    assertEquals(examples, metrics.get(metrics.size() - 1).getExamples(), "last metrics report every example");
    return last;
  }

  /**
   * Test 5: versions announced once each, numbered 1, 2, 3, ... in order, each for a later step;
   * the store holds exactly the announced versions, all committed (nothing half-written or
   * uncommitted left behind).
   */
  static void assertVersionsAnnouncedOnceInOrder(List<ModelVersion> all, Path store) throws IOException {
    List<ModelVersion> teacher = of(all, TINY.modelName());
    List<ModelVersion> student = of(all, STUDENT.name());
    assertEquals(teacher.stream().map(ModelVersion::getVersion).toList(),
        student.stream().map(ModelVersion::getVersion).toList(), "a student version beside each of the model's");
    for (int i = 0; i < student.size(); i++) {
      assertEquals(TINY.modelName(), student.get(i).getTeacherModel());
      assertEquals(teacher.get(i).getVersion(), student.get(i).getTeacherVersion(), "names its teacher's version");
      assertEquals(teacher.get(i).getStep(), student.get(i).getStep());
    }
    assertAnnouncedOnceInOrder(teacher, store.resolve(TINY.modelName()));
    assertAnnouncedOnceInOrder(student, store.resolve(STUDENT.name()));
    assertEquals(null, teacher.get(0).getTeacherModel(), "the model itself learns from clicks");
  }

  /** The records of one model, in order. */
  static List<ModelVersion> of(List<ModelVersion> versions, String model) {
    return versions.stream().filter(v -> v.getModel().equals(model)).toList();
  }

  private static void assertAnnouncedOnceInOrder(List<ModelVersion> versions, Path modelDir) throws IOException {
    for (int i = 0; i < versions.size(); i++) {
      assertEquals(i + 1, versions.get(i).getVersion(), "version " + (i + 1) + " announced once, in order: "
          + versions.stream().map(ModelVersion::getVersion).toList());
      if (i > 0) {
        assertTrue(versions.get(i).getStep() > versions.get(i - 1).getStep(), "steps increase");
      }
    }
    Set<String> onDisk;
    try (Stream<Path> entries = Files.list(modelDir)) {
      onDisk = entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> announced = versions.stream().map(v -> Long.toString(v.getVersion()))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(announced, onDisk, "the store holds exactly the announced versions");
    for (String v : onDisk) {
      assertTrue(Files.exists(modelDir.resolve(v).resolve(VersionLedger.COMMITTED_MARKER)), "version " + v + " committed");
    }
  }

  /** training.metrics exactly once: one record per reporting step, in order. */
  static void assertMetricsOnceInOrder(List<TrainingMetrics> all, int examples) {
    for (String model : List.of(TINY.modelName(), STUDENT.name())) {
      assertMetricsOnceInOrder(all.stream().filter(m -> m.getModel().equals(model)).toList(), examples, model);
    }
  }

  private static void assertMetricsOnceInOrder(List<TrainingMetrics> metrics, int examples, String model) {
    List<Long> steps = metrics.stream().map(TrainingMetrics::getStep).toList();
    // Every interval's report and the last step, plus one before each checkpoint with steps since the last
    // report (where checkpoints fall depends on timing): strictly increasing, so none committed twice.
    for (int i = 1; i < steps.size(); i++) {
      assertTrue(steps.get(i) > steps.get(i - 1), model + ": each metrics record committed once, in order: " + steps);
    }
    for (long s = METRICS_EVERY_STEPS; s <= examples / BATCH; s += METRICS_EVERY_STEPS) {
      assertTrue(steps.contains(s), "the report of step " + s + " is committed: " + steps);
    }
    assertEquals((long) examples / BATCH, steps.get(steps.size() - 1), "the last report counts every step");
    assertEquals((long) examples / BATCH * BATCH, metrics.get(metrics.size() - 1).getExamples());
  }

  /**
   * The files that hold state (parameters, optimizer state, anything else but provenance) of a version of the
   * model and of its student's version of the same number.
   */
  static Map<String, byte[]> stateFiles(Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    addStateFiles(dir, "", files);
    Path student = dir.getParent().getParent().resolve(STUDENT.name()).resolve(dir.getFileName());
    addStateFiles(student, STUDENT_PREFIX, files);
    return files;
  }

  private static void addStateFiles(Path dir, String prefix, Map<String, byte[]> files) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        if (!NOT_STATE.contains(name)) {
          files.put(prefix + name, Files.readAllBytes(p));
        }
      }
    }
  }

  /**
   * Parameters, optimizer state and the negative objective's state (cache, sketch, pool, RNG) are bit-identical,
   * the student's parameters and optimizer state too.
   */
  static void assertSameTrainerState(Map<String, byte[]> expected, Path actual) throws IOException {
    assertTrue(expected.containsKey("optimizer.f32") && expected.containsKey("embeddings.f32")
        && expected.containsKey(DualEncoderTrainer.NEGATIVES_FILE), "a full trainer state: " + expected.keySet());
    assertTrue(expected.containsKey(STUDENT_PREFIX + "optimizer.f32"), "the student's state: " + expected.keySet());
    Map<String, byte[]> found = stateFiles(actual);
    assertEquals(expected.keySet(), found.keySet(), "the same state files");
    for (String file : expected.keySet()) {
      assertArrayEquals(expected.get(file), found.get(file), file + " is bit-identical to the run without failures");
    }
  }

  /** Slows the stream down (1 ms per {@code every} records) so that failures land mid-stream. */
  static final class Throttle implements MapFunction<FeaturizedExample, FeaturizedExample> {
    private static final long serialVersionUID = 1L;
    private final int every;
    private long seen;

    Throttle(int every) {
      this.every = every;
    }

    static DataStream<FeaturizedExample> apply(DataStream<FeaturizedExample> stream, int every) {
      return stream.map(new Throttle(every)).name("throttle").uid("throttle");
    }

    @Override
    public FeaturizedExample map(FeaturizedExample value) throws InterruptedException {
      if (++seen % every == 0) {
        Thread.sleep(1);
      }
      return value;
    }
  }
}
