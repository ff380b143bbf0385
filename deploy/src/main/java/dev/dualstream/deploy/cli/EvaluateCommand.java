package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.demo.ReplayEvaluation;
import dev.dualstream.deploy.demo.ReplayReport;
import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.beir.DatasetException;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.follow.VersionFollower;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.ReportTable;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.trec.TrecRun;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.SystemMetrics;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream evaluate}: one saved version, or every version a running trainer commits. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Scores model versions on a dataset's held-out queries over the whole corpus:",
        "dense (the version's own embeddings), hybrid (fused with BM25, its weight",
        "chosen on the dev split, never on the split reported) and bm25.",
        "  --version-dir DIR  one saved version, printed as a table;",
        "  --follow           every version a trainer commits to models.versions",
        "                     (read_committed), in order, each result written to",
        "                     evaluation.results and printed; until Ctrl-C or",
        "                     --duration. A restart carries on with the next version.",
        "  --run FILE --qrels FILE  any ranking in TREC run format, scored as",
        "                     trec_eval ranks it (score, then document id);",
        "  --replay DIR       a recording (`record`, `demo --record`) replayed into a",
        "                     local broker, joined by ingest and trained on, a version",
        "                     every --version-every steps; each version scored",
        "                     test-then-train on the examples after it (their clicks",
        "                     as labels) and on the test split. Several values of",
        "                     --version-every (a freshness sweep) train once each.",
        "--runs DIR writes each system's ranking of the split as DIR/SYSTEM.run.",
        ""})
final class EvaluateCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--follow", description = "Follow models.versions and score each version as it appears.")
  private boolean follow;

  @Option(names = "--version-dir", paramLabel = "DIR",
      description = "Score this saved version (a directory of the model store, e.g. var/models/dual-encoder/v3).")
  private Path versionDir;

  @Option(names = "--run", paramLabel = "FILE",
      description = "Score this TREC run file (query-id Q0 doc-id rank score run-name) against --qrels.")
  private Path runFile;

  @Option(names = "--qrels", paramLabel = "FILE",
      description = "With --run: the judgments, BEIR's query-id TAB corpus-id TAB score or TREC's four columns; the "
          + "mean is over the queries the run ranks that have a relevant document, as trec_eval's by default.")
  private Path qrelsFile;

  @Option(names = "--replay", paramLabel = "DIR",
      description = "Evaluate a recording prequentially (see above).")
  private Path replayDir;

  @Option(names = "--version-every", paramLabel = "N[,N...]", split = ",", defaultValue = "150",
      description = "With --replay: steps between versions; several values train once each. Default: "
          + "${DEFAULT-VALUE}.")
  private List<Integer> versionEvery;

  @Option(names = "--window", paramLabel = "N", defaultValue = "1000",
      description = "With --replay: the examples after a version scored against it. Default: ${DEFAULT-VALUE}.")
  private int window;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "var/replay",
      description = "With --replay: the local broker, ingest state, checkpoints and models (emptied at start). "
          + "Default: ${DEFAULT-VALUE}.")
  private Path workDir;

  @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
      description = "With --replay: the local broker's port (its controller takes the next). Default: "
          + "${DEFAULT-VALUE}.")
  private int kafkaPort;

  @Option(names = "--report-json", paramLabel = "FILE",
      description = "With --replay: write every version's scores as JSON.")
  private Path reportJson;

  @Option(names = "--report", paramLabel = "DIR",
      description = "With --replay: write a report into DIR: index.html (charts of every metric against examples "
          + "seen and against event time, per system and refresh interval, and the tables; opens offline), summary.md, report.json, and "
          + "runs/SYSTEM.run, the final version's TREC run on the test split.")
  private Path reportDir;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--runs", paramLabel = "DIR",
      description = "With --version-dir: also write each system's ranking of the split as a TREC run file, "
          + "DIR/SYSTEM.run.")
  private Path runsDir;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--split", paramLabel = "NAME", defaultValue = "test",
      description = "The split scored. Default: ${DEFAULT-VALUE}.")
  private String split;

  @Option(names = "--queries", paramLabel = "N", defaultValue = "0",
      description = "Score at most N queries of the split (and tune on at most N of dev), in qrels order; 0: all. "
          + "Default: ${DEFAULT-VALUE}.")
  private int queries;

  @Option(names = "--group-id", paramLabel = "ID", defaultValue = "dualstream-evaluator",
      description = "With --follow: consumer group of models.versions, and transactional id prefix. "
          + "Default: ${DEFAULT-VALUE}.")
  private String groupId;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "" + MetricsEndpoint.EVALUATE_PORT,
      description = "With --follow: " + LiveOptions.METRICS_PORT_HELP)
  private int metricsPort;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Override
  public Integer call() {
    int modes = (follow ? 1 : 0) + (versionDir != null ? 1 : 0) + (runFile != null ? 1 : 0)
        + (replayDir != null ? 1 : 0);
    if (modes != 1) {
      throw new UserError("give one of --follow, --version-dir DIR, --run FILE with --qrels FILE, or --replay DIR");
    }
    if (replayDir != null) {
      return replay(spec.commandLine().getOut());
    }
    if ((runFile != null) != (qrelsFile != null)) {
      throw new UserError("--run FILE and --qrels FILE go together");
    }
    if (runsDir != null && versionDir == null) {
      throw new UserError("--runs DIR goes with --version-dir");
    }
    if (runFile != null) {
      return scoreRun(spec.commandLine().getOut());
    }
    if (queries < 0) {
      throw new UserError("--queries must be 0 (all) or positive, got " + queries);
    }
    runFor.check();
    dataset.checked();
    if (versionDir != null) {
      PathChecks.requireDirectory("--version-dir", versionDir);
    }
    BeirDataset data = BeirReader.read(dataset.dir);
    if (!data.splits().contains(split)) {
      throw new UserError("--split " + split + ": " + data.name() + " has the splits " + data.splits());
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      return follow ? follow(data, out) : once(data, out);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private int replay(PrintWriter out) {
    ReplayEvaluation.Options options;
    try {
      options = new ReplayEvaluation.Options(replayDir, dataset.dir, workDir, kafkaPort, versionEvery, window, queries,
          ModelConfig.defaults(), seed.value, reportDir == null ? null : reportDir.resolve("runs"));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    PathChecks.requireDirectory("--replay", replayDir);
    dataset.checked();
    PathChecks.requireParentDirectory("--report-json", reportJson);
    List<ReplayEvaluation.Point> points;
    try {
      points = ReplayEvaluation.run(options, out::println);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("the replay failed: " + e.getMessage(), e);
    }
    Map<String, Object> json = ReplayReport.json(replayDir, window, points);
    if (reportJson != null) {
      ReplayReport.writeJson(reportJson, json);
      out.println("evaluate: wrote " + reportJson);
    }
    if (reportDir != null) {
      ReplayReport.write(reportDir, replayDir, window, points, json);
      out.println("evaluate: report in " + reportDir.resolve("index.html"));
    }
    out.printf("evaluate: done, %d versions scored%n", points.size());
    return 0;
  }

  private int scoreRun(PrintWriter out) {
    PathChecks.requireFile("--run", runFile);
    PathChecks.requireFile("--qrels", qrelsFile);
    MetricSummary m;
    try {
      m = TrecRun.score(TrecRun.read(runFile), Qrels.read(qrelsFile));
    } catch (DatasetException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.printf(Locale.ROOT, "evaluate: %s on the %,d queries it ranks that %s judges: Recall@1 %.4f, Recall@10 %.4f, Recall@100 %.4f,"
        + " MRR@10 %.4f, nDCG@10 %.4f%n", runFile, m.queries(), qrelsFile, m.recallAt1(), m.recallAt10(),
        m.recallAt100(), m.mrrAt10(), m.ndcgAt10());
    return 0;
  }

  private int once(BeirDataset data, PrintWriter out) {
    try (RetrievalModel model = ModelStore.load(versionDir); Bm25Index bm25 = Bm25Index.build(data.corpus())) {
      VersionEvaluation.Result r = new VersionEvaluation(data, split, queries, line -> out.println("evaluate: " + line))
          .run(model, bm25, Map.of(), runsDir);
      out.println();
      out.println(ReportTable.format(r.report()));
      out.printf("evaluate: done in %.1f s%n", r.seconds());
    }
    return 0;
  }

  private int follow(BeirDataset data, PrintWriter out) {
    long deadline = runFor.duration == null ? Long.MAX_VALUE : System.nanoTime() + runFor.duration.toNanos();
    out.printf("evaluate: following models.versions on %s, scoring each version on %s/%s; %s%n",
        kafka.connection(), data.name(), split, runFor.stops());
    AtomicLong scoredSoFar = new AtomicLong();
    AtomicReference<EvaluationResult> last = new AtomicReference<>();
    Optional<MetricsEndpoint> metrics = LiveOptions.metrics(metricsPort);
    metrics.ifPresent(m -> m
        .counter("dualstream_evaluator_versions_scored", "Versions scored and written to evaluation.results.",
            scoredSoFar::get)
        .gauge("dualstream_evaluator_last_version", "The last version scored; 0: none yet.",
            () -> last.get() == null ? 0 : last.get().getVersion())
        .gauge("dualstream_evaluator_last_seconds", "How long the last version's evaluation took.",
            () -> last.get() == null ? 0 : last.get().getSeconds())
        .gauge("dualstream_evaluator_recall_at_10", "The last version's Recall@10 per system.", "system",
            () -> bySystem(last.get(), SystemMetrics::getRecallAt10))
        .gauge("dualstream_evaluator_mrr_at_10", "The last version's MRR@10 per system.", "system",
            () -> bySystem(last.get(), SystemMetrics::getMrrAt10)));
    // A stop lets the version under way finish and commit.
    try (GracefulStop stop = GracefulStop.install("evaluate", Duration.ofSeconds(60), () -> { });
        VersionFollower follower = new VersionFollower(data,
            new VersionFollower.Settings(kafka.connection(), groupId, split, queries),
            line -> out.println("evaluate: " + line))) {
      long scored = follower.run(() -> stop.requested() || System.nanoTime() >= deadline, s -> {
        last.set(s.result());
        scoredSoFar.incrementAndGet();
        out.println(line(s.result()));
      });
      out.printf("evaluate: stopped; %d versions scored%n", scored);
    } finally {
      metrics.ifPresent(MetricsEndpoint::close);
    }
    return 0;
  }

  private static Map<String, Double> bySystem(EvaluationResult r, ToDoubleFunction<SystemMetrics> metric) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (r != null) {
      r.getSystems().forEach(m -> out.put(m.getSystem(), metric.applyAsDouble(m)));
    }
    return out;
  }

  /** One version's result on one line: Recall@10 / MRR@10 per system. */
  static String line(EvaluationResult r) {
    String systems = r.getSystems().stream()
        .map((SystemMetrics m) -> String.format("%s %.3f / %.3f", m.getSystem(), m.getRecallAt10(), m.getMrrAt10()))
        .collect(Collectors.joining(", "));
    return String.format("evaluate: %s version %d (step %,d, %,d examples): Recall@10 / MRR@10 on %,d %s queries: %s%s"
        + " (%.1f s)", r.getModel(), r.getVersion(), r.getStep(), r.getExamples(), r.getQueries(), r.getSplit(), systems,
        r.getHybridWeight() == null ? "" : String.format("; hybrid weight %.2f", r.getHybridWeight()), r.getSeconds());
  }
}
