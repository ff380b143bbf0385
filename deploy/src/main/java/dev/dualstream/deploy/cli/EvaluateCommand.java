package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.follow.VersionFollower;
import dev.dualstream.evaluator.offline.ReportTable;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.SystemMetrics;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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
        ""})
final class EvaluateCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--follow", description = "Follow models.versions and score each version as it appears.")
  private boolean follow;

  @Option(names = "--version-dir", paramLabel = "DIR",
      description = "Score this saved version (a directory of the model store, e.g. var/models/dual-encoder/v3).")
  private Path versionDir;

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
    if (follow == (versionDir != null)) {
      throw new UserError("give either --follow or --version-dir DIR");
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

  private int once(BeirDataset data, PrintWriter out) {
    try (RetrievalModel model = ModelStore.load(versionDir); Bm25Index bm25 = Bm25Index.build(data.corpus())) {
      VersionEvaluation.Result r = new VersionEvaluation(data, split, queries, line -> out.println("evaluate: " + line))
          .run(model, bm25, Map.of());
      out.println();
      out.println(ReportTable.format(r.report()));
      out.printf("evaluate: done in %.1f s%n", r.seconds());
    }
    return 0;
  }

  private int follow(BeirDataset data, PrintWriter out) {
    long deadline = runFor.duration == null ? Long.MAX_VALUE : System.nanoTime() + runFor.duration.toNanos();
    out.printf("evaluate: following models.versions on %s, scoring each version on %s/%s; %s%n",
        kafka.bootstrapServers, data.name(), split, runFor.stops());
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
            new VersionFollower.Settings(kafka.bootstrapServers, groupId, split, queries),
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
