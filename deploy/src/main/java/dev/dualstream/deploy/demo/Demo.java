package dev.dualstream.deploy.demo;

import dev.dualstream.deploy.stack.ElapsedLines;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.WorkDirectory;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.ReportJson;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.record.Recorder;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.evaluator.simulate.EventSink;
import dev.dualstream.evaluator.simulate.KafkaEventSink;
import dev.dualstream.ingest.IngestAccounting;
import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestCounts;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.RunningIngest;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.RetrievalModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Runs the whole path once on a bounded stream: start a broker, publish the corpus and simulated
 * clicks, join them into training examples, train on all of them, evaluate the result beside the
 * untrained model and BM25. Every stage is the real one; only their order is fixed, so the run ends.
 * Whatever it started is stopped when it returns or throws, and by a shutdown hook on Ctrl-C.
 */
public final class Demo {
  private static final Duration INGEST_TIMEOUT = Duration.ofMinutes(5);

  private final DemoOptions options;
  private final ElapsedLines lines;

  private Demo(DemoOptions options, Consumer<String> progress) {
    this.options = options;
    this.lines = new ElapsedLines(progress);
  }

  /** Runs the demo, reporting progress lines to {@code progress}; returns the evaluation report. */
  public static Report run(DemoOptions options, Consumer<String> progress) {
    return new Demo(options, progress).run();
  }

  private Report run() {
    BeirDataset dataset = BeirReader.read(options.dataset());
    say("dataset %s: %,d documents, %,d queries", dataset.name(), dataset.corpus().size(), dataset.queries().size());
    Path work = options.workDir().toAbsolutePath();
    WorkDirectory.empty(work);

    Stack stack = new Stack();
    Thread hook = new Thread(stack::closeQuickly, "dualstream-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stack.broker = KafkaBrokerProcess.builder(work.resolve(WorkDirectory.KAFKA)).port(options.kafkaPort()).start();
      String bootstrap = stack.broker.bootstrapServers();
      say("kafka broker ready on %s (pid %d, log %s)", bootstrap, stack.broker.pid(), stack.broker.logFile());
      LocalTopics.create(bootstrap, LocalTopics.DEFAULT_STREAM_PARTITIONS);

      ForeignTraffic[] foreign = new ForeignTraffic[1];
      SimulationResult simulated = simulate(dataset, bootstrap, foreign);
      options.record().ifPresent(dir -> record(bootstrap, dir, simulated, foreign[0] != null));
      IngestOptions ingestOptions = IngestOptions.defaults().toBuilder()
          .stateDir(work.resolve("ingest"))
          .replicationFactor(1)
          .build();
      stack.ingest = IngestApp.start(ingestOptions, KafkaConnection.plaintext(bootstrap));
      IngestCounts joined = awaitIngest(stack.ingest, simulated);
      stack.ingest.close();
      stack.ingest = null;
      account(bootstrap, ingestOptions);
      if (foreign[0] != null) {
        say("ingest: %s", foreign[0].verify(bootstrap));
      }

      ModelVersion version = train(bootstrap, work.resolve("models"), joined.examples());
      return evaluate(dataset, version, bootstrap);
    } finally {
      stack.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: nothing left to remove
      }
    }
  }

  private SimulationResult simulate(BeirDataset dataset, String bootstrap, ForeignTraffic[] foreign) {
    long expectedEvents = dataset.corpus().size() + 2 * options.impressions();
    SimulationConfig config = SimulationConfig.defaults(options.seed(), options.impressions())
        .withProgressEvery(Math.max(10_000, expectedEvents / 10));
    say("simulate: %,d searches by users on train-split queries (BM25 shows 10 results, position-based clicks)",
        options.impressions());
    SimulationResult result;
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config);
        EventSink sink = sink(dataset, bootstrap, expectedEvents, foreign)) {
      result = simulator.run(sink, soFar -> say("simulate: %,d events produced (%,d documents, %,d impressions, %,d clicks)",
          soFar.events(), soFar.documents(), soFar.impressions(), soFar.clicks()));
    }
    say("simulate: done, %,d impressions and %,d clicks", result.impressions(), result.clicks());
    return result;
  }

  /** Records the input topics as they stand once the simulator is done. */
  private void record(String bootstrap, Path dir, SimulationResult simulated, boolean foreign) {
    Recorder recorder = Recorder.open(dir, Recorder.Rotation.defaults());
    Recorder.Progress recorded = recorder.run(KafkaConnection.plaintext(bootstrap),
        List.of(Topics.DOCUMENTS.name(), Topics.IMPRESSIONS.name(), Topics.CLICKS.name()), new Properties(), true,
        () -> false, p -> { });
    say("record: %,d events recorded into %s (the simulator produced %,d%s)", recorded.records(), dir,
        simulated.events(), foreign ? ", another producer the rest" : "");
  }

  /** The simulator's sink, and with --foreign-traffic another producer's records mixed in. */
  private EventSink sink(BeirDataset dataset, String bootstrap, long expectedEvents, ForeignTraffic[] foreign) {
    KafkaEventSink kafka = KafkaEventSink.connect(KafkaConnection.plaintext(bootstrap));
    if (options.foreignBadRecords() == 0 && options.foreignPairs() == 0) {
      return kafka;
    }
    say("simulate: another producer mixes in %d bad records and %d valid pairs, Kafka timestamps from the wall clock",
        options.foreignBadRecords(), options.foreignPairs());
    List<String> docs = dataset.corpus().stream().limit(1_000).map(DocumentText::id).toList();
    foreign[0] = new ForeignTraffic(kafka, bootstrap, docs, expectedEvents, options.foreignBadRecords(),
        options.foreignPairs(), options.seed());
    return foreign[0];
  }

  /** Reads the committed output and says where every input record went; warns if anything is unaccounted for. */
  private void account(String bootstrap, IngestOptions ingestOptions) {
    IngestAccounting accounting = IngestAccounting.read(KafkaConnection.plaintext(bootstrap), ingestOptions,
        Duration.ofMinutes(2));
    accounting.lines().forEach(line -> say("ingest: %s", line));
    List<String> problems = accounting.problems();
    if (problems.isEmpty()) {
      say("ingest: every input record is accounted for (committed output, read_committed)");
    } else {
      problems.forEach(p -> say("WARNING: ingest: %s", p));
    }
  }

  private IngestCounts awaitIngest(RunningIngest ingest, SimulationResult simulated) {
    say("ingest: joining clicks to impressions (Kafka Streams, exactly_once_v2)");
    long deadline = System.nanoTime() + INGEST_TIMEOUT.toNanos();
    while (!awaitCaughtUp(ingest)) {
      IngestCounts c = ingest.counts();
      say("ingest: %,d examples, %,d dead letters so far", c.examples(), c.deadLetters());
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("ingest did not catch up within " + INGEST_TIMEOUT.toMinutes()
            + " minutes; see the log");
      }
    }
    IngestCounts c = ingest.counts();
    say("ingest: done, %,d training examples from %,d clicks, %,d dead letters", c.examples(), simulated.clicks(),
        c.deadLetters());
    return c;
  }

  private static boolean awaitCaughtUp(RunningIngest ingest) {
    try {
      return ingest.awaitCaughtUp(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for ingest", e);
    }
  }

  private ModelVersion train(String bootstrap, Path store, long examples) {
    int every = Math.max(1, (int) (examples / options.model().batchSize() / 10));
    TrainerOptions trainer = TrainerOptions.defaults(KafkaConnection.plaintext(bootstrap))
        .withBounded(true)
        .withModelStore(store)
        .withModel(options.model())
        .withSeed(options.seed())
        .withGroupId("dualstream-demo-trainer")
        // A bounded run ends with a final checkpoint; a short interval keeps the wait for it short.
        .withCheckpoints(CheckpointSettings.defaults()
            .withDirectory(store.resolveSibling("checkpoints"))
            .withInterval(Duration.ofSeconds(10)))
        // A version at the end; for a report's curves also one every tenth of the stream, all kept.
        .withIntervals(every, options.report().isPresent() ? every : 0)
        .withKeepVersions(options.report().isPresent() ? 0 : TrainerOptions.DEFAULT_KEEP_VERSIONS);
    say("train: %s on %,d examples, batch %d (Flink MiniCluster, DJL PyTorch)", options.model().modelName(),
        examples, options.model().batchSize());
    try (MetricsTail tail = MetricsTail.start(bootstrap, examples, this::say)) {
      TrainerJob.runLocal(trainer);
      tail.awaitVersion(Duration.ofSeconds(30));
      // The job has ended, so every version is committed; the console's tail may not have seen the last yet.
      List<ModelVersion> versions = VersionCurves.versions(bootstrap, options.model().modelName());
      if (versions.isEmpty()) {
        throw new IllegalStateException("the trainer finished without announcing a model version");
      }
      return versions.get(versions.size() - 1);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("training failed: " + e.getMessage(), e);
    }
  }

  /** Test queries each version is scored on for the report's curves (the final results use the whole split). */
  static final int REPORT_CURVE_QUERIES = 500;

  private Report evaluate(BeirDataset dataset, ModelVersion version, String bootstrap) {
    say("evaluate: version %d of %s (step %,d, %,d examples) on the test split over the whole corpus",
        version.getVersion(), version.getModel(), version.getStep(), version.getExamples());
    try (RetrievalModel trained = ModelStore.load(Path.of(URI.create(version.getUri())));
        RetrievalModel untrained = ModelStore.untrained(options.model(), options.seed());
        Bm25Index bm25 = Bm25Index.build(dataset.corpus())) {
      Path runs = options.report().map(dir -> dir.resolve("runs")).orElse(null);
      Report report = new VersionEvaluation(dataset, "test", options.evalQueries(), line -> say("evaluate: %s", line))
          .run(trained, bm25, Map.of("untrained", untrained), runs).report();
      options.reportJson().ifPresent(file -> {
        ReportJson.write(report, file);
        say("report written to %s", file);
      });
      options.report().ifPresent(dir -> {
        int curveQueries = options.evalQueries() == 0 ? REPORT_CURVE_QUERIES
            : Math.min(REPORT_CURVE_QUERIES, options.evalQueries());
        say("report: scoring each version of %s on up to %d test queries", version.getModel(), curveQueries);
        List<CurvePoint> curves = VersionCurves.score(bootstrap, version.getModel(), dataset, bm25, curveQueries,
            line -> say("%s", line));
        ResultsReport.write(dir, report, curves, "The demo's model, version " + version.getVersion()
            + " of " + version.getModel() + " after one pass over " + version.getExamples() + " examples, on the "
            + report.split() + " split over the whole corpus (the table; each system's TREC run is in runs/). The"
            + " charts score every version the trainer published on up to " + curveQueries + " test"
            + " queries, against the examples it had trained on and the event time of the newest of them.");
        say("report written to %s", dir.resolve("index.html"));
      });
      return report;
    }
  }

  private void say(String format, Object... args) {
    lines.say(format, args);
  }


  /** What the demo started, stopped in reverse order; safe to close twice and from a shutdown hook. */
  private static final class Stack implements AutoCloseable {
    volatile KafkaBrokerProcess broker;
    volatile RunningIngest ingest;

    @Override
    public void close() {
      close(Duration.ofSeconds(30));
    }

    /** On Ctrl-C: the broker's own hook stops it at the same time, so do not wait long for ingest. */
    void closeQuickly() {
      close(Duration.ofSeconds(3));
    }

    private synchronized void close(Duration ingestTimeout) {
      RunningIngest i = ingest;
      ingest = null;
      if (i != null) {
        i.close(ingestTimeout);
      }
      KafkaBrokerProcess b = broker;
      broker = null;
      if (b != null) {
        b.close();
      }
    }
  }
}
