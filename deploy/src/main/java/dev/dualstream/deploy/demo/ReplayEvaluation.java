package dev.dualstream.deploy.demo;

import dev.dualstream.deploy.stack.ElapsedLines;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.WorkDirectory;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.HybridTuning;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.record.Replayer;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.HybridRetriever;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestCounts;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.RunningIngest;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import dev.dualstream.trainer.job.TrainerTopics;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Prequential evaluation of a recording, test-then-train: the recording is replayed into a local broker,
 * joined by ingest, and trained on by the trainer job, which publishes a version every N steps; each version
 * is then scored on what it had not yet trained on, the window of examples that follows it (their queries,
 * the documents clicked for them as labels), and on the dataset's test split, for the dense model, the hybrid
 * and BM25. With several N (a freshness sweep), the same examples train once per N, and each run's prequential
 * quality (every example scored by the newest version before it, the windows' example-weighted mean) shows
 * what a slower refresh costs.
 *
 * <p>The window of a version: the examples it would have served, past the offsets its {@code source_offsets}
 * names (the next offset per input partition when it was cut) and before the next version's, at most {@code
 * window} of them in event-time order. So that runs at different intervals are scored on the same examples,
 * windows start after the first version of the slowest run. Examples go to one
 * partition and the trainer runs in deterministic mode, so every run of a sweep trains on the same examples in
 * the same order, and versions at the same step of two runs are the same model.
 */
public final class ReplayEvaluation {
  private static final Duration INGEST_TIMEOUT = Duration.ofMinutes(20);

  /**
   * @param recording a directory written by {@code record} holding the input topics
   * @param versionEvery the steps between versions, one training run each
   * @param window examples after a version scored against it
   * @param testQueries test queries scored per version (0: all)
   * @param runFiles where to write each system's TREC run of the final version on the test split; null for none
   */
  public record Options(Path recording, Path dataset, Path workDir, int kafkaPort, List<Integer> versionEvery,
      int window, int testQueries, ModelConfig model, long seed, Path runFiles) {
    public Options {
      Objects.requireNonNull(recording, "recording");
      Objects.requireNonNull(dataset, "dataset");
      Objects.requireNonNull(workDir, "workDir");
      Objects.requireNonNull(model, "model");
      versionEvery = List.copyOf(versionEvery);
      if (versionEvery.isEmpty() || versionEvery.stream().anyMatch(n -> n < 1)) {
        throw new IllegalArgumentException("--version-every needs one or more step counts of at least 1, got "
            + versionEvery);
      }
      if (window < 1) {
        throw new IllegalArgumentException("--window must be at least 1 example, got " + window);
      }
      if (testQueries < 0) {
        throw new IllegalArgumentException("--queries must be 0 (all) or positive, got " + testQueries);
      }
    }
  }

  /** One version's scores: per system, on the window after it and on the test split. */
  public record Point(int versionEvery, long version, long step, long examples, Instant eventTime,
      int windowExamples, Map<String, MetricSummary> window, Map<String, MetricSummary> test) {}

  private final Options options;
  private final ElapsedLines lines;

  private ReplayEvaluation(Options options, Consumer<String> progress) {
    this.options = options;
    this.lines = new ElapsedLines(progress);
  }

  /** Runs it; the broker and ingest are stopped before it returns, whatever happens. */
  public static List<Point> run(Options options, Consumer<String> progress) throws Exception {
    return new ReplayEvaluation(options, progress).run();
  }

  private List<Point> run() throws Exception {
    Replayer.Contents contents = Replayer.contents(options.recording());
    BeirDataset dataset = BeirReader.read(options.dataset());
    Path work = options.workDir().toAbsolutePath();
    WorkDirectory.empty(work);
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(work.resolve(WorkDirectory.KAFKA))
        .port(options.kafkaPort()).start()) {
      String bootstrap = broker.bootstrapServers();
      // One partition of examples, so that every training run reads them in the same order (deterministic mode).
      KafkaBrokerProcess.createTopics(bootstrap, 1, Topics.TRAINING_EXAMPLES);
      LocalTopics.create(bootstrap, contents.partitionsPerTopic().values().stream().max(Integer::compare)
          .orElse(LocalTopics.DEFAULT_STREAM_PARTITIONS));
      say("replay: %,d records of %s into %s", contents.records(), options.recording(), bootstrap);
      Replayer.replay(options.recording(), KafkaConnection.plaintext(bootstrap), new Replayer.Options(0, ""),
          () -> false, p -> say("replay: %,d of %,d records", p.sent(), p.total()));
      ingest(bootstrap, work);
      List<Example> examples = examples(bootstrap);
      say("ingest: %,d training examples committed", examples.size());
      List<Point> points = new ArrayList<>();
      try (Bm25Index bm25 = Bm25Index.build(dataset.corpus())) {
        Map<Integer, List<ModelVersion>> runs = new LinkedHashMap<>();
        for (int every : options.versionEvery()) {
          runs.put(every, train(bootstrap, work.resolve("every-" + every), every, examples.size()));
        }
        // Every run is scored on the same examples: those after the first version of the slowest run.
        Map<Integer, Long> start = new HashMap<>();
        runs.values().stream().filter(v -> !v.isEmpty()).forEach(v -> offsets(v.get(0)).forEach(
            (partition, offset) -> start.merge(partition, offset, Math::max)));
        for (Map.Entry<Integer, List<ModelVersion>> entry : runs.entrySet()) {
          int every = entry.getKey();
          List<ModelVersion> versions = entry.getValue();
          List<Point> run = new ArrayList<>();
          for (int i = 0; i < versions.size(); i++) {
            boolean finalOfFirst = points.isEmpty() && i == versions.size() - 1;
            run.add(score(dataset, bm25, every, versions.get(i), i + 1 < versions.size() ? versions.get(i + 1) : null,
                start, examples, finalOfFirst ? options.runFiles() : null));
          }
          say("evaluate: every %d steps, prequential over %,d examples (each scored by the newest version before"
              + " it): %s", every, run.stream().mapToInt(Point::windowExamples).sum(), describe(prequential(run)));
          points.addAll(run);
        }
      }
      return points;
    }
  }

  private void ingest(String bootstrap, Path work) {
    IngestOptions ingestOptions = IngestOptions.defaults().toBuilder().stateDir(work.resolve("ingest"))
        .replicationFactor(1).build();
    try (RunningIngest ingest = IngestApp.start(ingestOptions, KafkaConnection.plaintext(bootstrap))) {
      long deadline = System.nanoTime() + INGEST_TIMEOUT.toNanos();
      while (!ingest.awaitCaughtUp(Duration.ofSeconds(5))) {
        IngestCounts c = ingest.counts();
        say("ingest: %,d examples, %,d dead letters so far", c.examples(), c.deadLetters());
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("ingest did not catch up within " + INGEST_TIMEOUT.toMinutes() + " minutes");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for ingest", e);
    }
  }

  /** A committed example: where it sits in the topic, when it happened, what was searched and clicked. */
  private record Example(int partition, long offset, long eventTime, String query, String clicked) {}

  private static List<Example> examples(String bootstrap) {
    List<Example> examples = new ArrayList<>();
    CommittedRecords.read(KafkaConnection.plaintext(bootstrap), Topics.TRAINING_EXAMPLES.name(),
        Duration.ofMinutes(2), r -> {
      TrainingExample e = Topics.TRAINING_EXAMPLES.codec().decode(r.value());
      examples.add(new Example(r.partition(), r.offset(), e.getEventTime().toEpochMilli(), e.getQuery(),
          e.getPositive().getDocId()));
    });
    examples.sort(Comparator.comparingLong(Example::eventTime).thenComparingInt(Example::partition)
        .thenComparingLong(Example::offset));
    return examples;
  }

  /** One bounded training run publishing a version every {@code every} steps; returns its versions in order. */
  private List<ModelVersion> train(String bootstrap, Path dir, int every, int examples) throws Exception {
    String prefix = "replay-every-" + every + ".";
    TrainerTopics prefixed = TrainerTopics.prefixed(prefix);
    TrainerTopics topics = new TrainerTopics(Topics.TRAINING_EXAMPLES, prefixed.metrics(), prefixed.versions(),
        prefixed.deadLetters());
    KafkaBrokerProcess.createTopics(bootstrap, 1, topics.metrics(), topics.versions(), topics.deadLetters());
    TrainerOptions trainer = TrainerOptions.defaults(KafkaConnection.plaintext(bootstrap))
        .withTopics(topics)
        .withBounded(true)
        .withModelStore(dir.resolve("models"))
        .withModel(options.model())
        .withSeed(options.seed())
        .withGroupId(prefix + "trainer")
        .withDeterministic(true)
        .withKeepVersions(0)
        .withCheckpoints(CheckpointSettings.defaults().withDirectory(dir.resolve("checkpoints"))
            .withInterval(Duration.ofSeconds(10)))
        .withIntervals(every, every);
    say("train: a version every %d steps over %,d examples, batch %d", every, examples, options.model().batchSize());
    TrainerJob.runLocal(trainer);
    List<ModelVersion> versions = new ArrayList<>();
    readCommitted(bootstrap, topics.versions(), versions::add);
    versions.removeIf(v -> !v.getModel().equals(options.model().modelName()));
    versions.sort(Comparator.comparingLong(ModelVersion::getVersion));
    say("train: %d versions", versions.size());
    return versions;
  }

  private static <V extends org.apache.avro.specific.SpecificRecordBase> void readCommitted(String bootstrap,
      Topic<String, V> topic, Consumer<V> sink) {
    CommittedRecords.read(KafkaConnection.plaintext(bootstrap), topic.name(), Duration.ofMinutes(1),
        r -> sink.accept(topic.valueSerde().deserializer().deserialize(topic.name(), r.value())));
  }

  /**
   * The example-weighted mean, per system, of the runs' window scores: the quality of serving each example with
   * the newest version before it.
   */
  static Map<String, MetricSummary> prequential(List<Point> run) {
    Map<String, double[]> sums = new LinkedHashMap<>();
    Map<String, Integer> queries = new LinkedHashMap<>();
    for (Point p : run) {
      p.window().forEach((system, m) -> {
        double[] s = sums.computeIfAbsent(system, k -> new double[5]);
        int w = p.windowExamples();
        s[0] += w * m.recallAt1();
        s[1] += w * m.recallAt10();
        s[2] += w * m.recallAt100();
        s[3] += w * m.mrrAt10();
        s[4] += w * m.ndcgAt10();
        queries.merge(system, w, Integer::sum);
      });
    }
    Map<String, MetricSummary> out = new LinkedHashMap<>();
    sums.forEach((system, s) -> {
      int n = queries.get(system);
      out.put(system, new MetricSummary(n, s[0] / n, s[1] / n, s[2] / n, s[3] / n, s[4] / n));
    });
    return out;
  }

  private static Map<Integer, Long> offsets(ModelVersion version) {
    Map<Integer, Long> next = new HashMap<>();
    for (SourceOffset o : version.getSourceOffsets()) {
      next.put(o.getPartition(), o.getOffset());
    }
    return next;
  }

  private Point score(BeirDataset dataset, Bm25Index bm25, int every, ModelVersion version, ModelVersion following,
      Map<Integer, Long> start, List<Example> examples, Path runFiles) {
    Map<Integer, Long> own = offsets(version);
    Map<Integer, Long> from = new HashMap<>(own);
    start.forEach((partition, offset) -> from.merge(partition, offset, Math::max));
    Map<Integer, Long> to = following == null ? Map.of() : offsets(following);
    List<Example> window = new ArrayList<>();
    long seenEventTime = Long.MIN_VALUE;
    for (Example e : examples) {
      if (e.offset() < own.getOrDefault(e.partition(), 0L)) {
        seenEventTime = Math.max(seenEventTime, e.eventTime());
      }
      if (e.offset() >= from.getOrDefault(e.partition(), 0L)
          && e.offset() < to.getOrDefault(e.partition(), Long.MAX_VALUE) && window.size() < options.window()) {
        window.add(e);
      }
    }
    try (RetrievalModel model = ModelStore.load(Path.of(URI.create(version.getUri())));
        DenseIndex dense = DenseIndex.build(model, dataset.corpus())) {
      VersionEvaluation.Result test = new VersionEvaluation(dataset, "test", options.testQueries(), line -> { })
          .run(dense, bm25, Map.of(), runFiles);
      if (runFiles != null) {
        say("evaluate: run files of version %d on the test split in %s", version.getVersion(), runFiles);
      }
      Map<String, MetricSummary> onWindow = window.isEmpty() ? Map.of()
          : scoreWindow(dataset, dense, bm25, test.hybrid().orElse(null), window);
      Point point = new Point(every, version.getVersion(), version.getStep(), version.getExamples(),
          seenEventTime == Long.MIN_VALUE ? null : Instant.ofEpochMilli(seenEventTime), window.size(), onWindow,
          metrics(test.report()));
      say("evaluate: every %d, version %d (step %,d, %,d examples): next %,d examples %s; test %s", every,
          point.version(), point.step(), point.examples(), point.windowExamples(), describe(point.window()),
          describe(point.test()));
      return point;
    }
  }

  /**
   * The window's examples, each a query with the document clicked for it as the relevant one, ranked by each
   * system: a mean over examples, so that windows cut anywhere add up to the same mean over the stream.
   */
  private static Map<String, MetricSummary> scoreWindow(BeirDataset dataset, DenseIndex dense, Bm25Index bm25,
      HybridTuning.Choice hybrid, List<Example> window) {
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> judgments = new LinkedHashMap<>();
    for (Example e : window) {
      String id = "e" + queries.size();
      queries.put(id, e.query());
      judgments.put(id, Map.of(e.clicked(), 1));
    }
    BeirDataset windowSet = BeirDataset.of("window", dataset.corpus(), queries, Map.of("window", Qrels.of(judgments)));
    OfflineEvaluation evaluation = OfflineEvaluation.on(windowSet).split("window").prebuilt("dense", dense);
    if (hybrid != null) {
      evaluation.prebuilt("hybrid", HybridRetriever.of(dense, bm25, hybrid.fusion(), dataset.corpus()));
    }
    return metrics(evaluation.prebuilt("bm25", bm25).run());
  }

  private static Map<String, MetricSummary> metrics(Report report) {
    Map<String, MetricSummary> out = new LinkedHashMap<>();
    for (SystemResult r : report.results()) {
      out.put(r.system(), r.metrics());
    }
    return out;
  }

  private static String describe(Map<String, MetricSummary> metrics) {
    StringBuilder out = new StringBuilder();
    metrics.forEach((system, m) -> out.append(out.length() == 0 ? "" : ", ")
        .append(String.format(java.util.Locale.ROOT, "%s %.3f / %.3f", system, m.recallAt10(), m.mrrAt10())));
    return out.toString();
  }

  private void say(String format, Object... args) {
    lines.say(format, args);
  }
}
