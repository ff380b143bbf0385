package dev.dualstream.evaluator.offline;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.metrics.MetricAccumulator;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.Retriever;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.evaluator.trec.TrecRun;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.RetrievalModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Scores named retrieval systems on one split of a BEIR dataset: each system ranks the whole corpus
 * for every judged query (top {@value MetricSummary#DEPTH}), and the rankings are scored against the
 * split's qrels. Queries are taken in qrels file order; those without a relevant document are not
 * scored, those without a text in the queries file are counted as skipped.
 *
 * <pre>{@code
 * Report report = OfflineEvaluation.on(dataset).split("test")
 *     .bm25()
 *     .model("trained", trainedModel)
 *     .run();
 * System.out.print(ReportTable.format(report));
 * ReportJson.write(report, Path.of("report.json"));
 * }</pre>
 */
public final class OfflineEvaluation {
  private final BeirDataset dataset;
  private String split = "test";
  private int limit;
  private int batchSize = 256;
  private int threads = Runtime.getRuntime().availableProcessors();
  private Consumer<String> log = message -> { };
  private final Map<String, Function<List<DocumentText>, Retriever>> systems = new LinkedHashMap<>();
  /** Systems built by the caller over this corpus: not indexed here, not closed here. */
  private final Set<String> prebuilt = new HashSet<>();
  private Path runFiles;
  private UnaryOperator<String> runNames = UnaryOperator.identity();

  private OfflineEvaluation(BeirDataset dataset) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
  }

  /** Starts an evaluation on {@code dataset}, split "test", all queries, no systems yet. */
  public static OfflineEvaluation on(BeirDataset dataset) {
    return new OfflineEvaluation(dataset);
  }

  /** The split whose qrels are scored (default "test"). */
  public OfflineEvaluation split(String split) {
    this.split = Objects.requireNonNull(split, "split");
    return this;
  }

  /**
   * Also writes each system's rankings as a TREC run file, {@code dir/SYSTEM.run} (run name the system's), which
   * {@link TrecRun#score} scores to the same metrics.
   */
  public OfflineEvaluation runFiles(Path dir) {
    return runFiles(dir, UnaryOperator.identity());
  }

  /** As {@link #runFiles(Path)}, naming each system's run (and its file) {@code names.apply(system)}. */
  public OfflineEvaluation runFiles(Path dir, UnaryOperator<String> names) {
    this.runFiles = Objects.requireNonNull(dir, "dir");
    this.runNames = Objects.requireNonNull(names, "names");
    return this;
  }

  /** Scores only the first {@code maxQueries} queries of the split; 0 (the default) means all. */
  public OfflineEvaluation limit(int maxQueries) {
    if (maxQueries < 0) {
      throw new IllegalArgumentException("query limit must not be negative, was " + maxQueries);
    }
    this.limit = maxQueries;
    return this;
  }

  /** Batch size for embedding documents and queries with models (default 256). */
  public OfflineEvaluation batchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
    }
    this.batchSize = batchSize;
    return this;
  }

  /** Threads for exact search scoring (default: available processors). */
  public OfflineEvaluation threads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    this.threads = threads;
    return this;
  }

  /** Receives one line per finished step (for the console). */
  public OfflineEvaluation log(Consumer<String> log) {
    this.log = Objects.requireNonNull(log, "log");
    return this;
  }

  /** Adds the BM25 baseline under the name "bm25". */
  public OfflineEvaluation bm25() {
    return system("bm25", Bm25Index::build);
  }

  /**
   * Adds a dual encoder under {@code name}, searched exactly over its embeddings. The evaluation uses
   * the model from one thread and does not close it.
   */
  public OfflineEvaluation model(String name, RetrievalModel model) {
    Objects.requireNonNull(model, "model");
    return system(name, corpus -> DenseIndex.build(model, corpus, batchSize, threads));
  }

  /**
   * Adds a retriever the caller has built over this dataset's corpus (and will close): shared with other
   * systems, say, or scored over and over.
   */
  public OfflineEvaluation prebuilt(String name, Retriever built) {
    Objects.requireNonNull(built, "built");
    system(name, corpus -> built::search);
    prebuilt.add(name);
    return this;
  }

  /** Adds any retriever, built over the corpus when the evaluation runs and closed afterwards. */
  public OfflineEvaluation system(String name, Function<List<DocumentText>, Retriever> factory) {
    Objects.requireNonNull(factory, "factory");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a system needs a name");
    }
    if (systems.putIfAbsent(name, factory) != null) {
      throw new IllegalArgumentException("system name '" + name + "' is used twice");
    }
    return this;
  }

  /**
   * Runs every system in the order added.
   *
   * @throws IllegalArgumentException when there is no system or the split does not exist
   */
  public Report run() {
    if (systems.isEmpty()) {
      throw new IllegalArgumentException("no system to evaluate");
    }
    Qrels qrels = dataset.qrels(split);
    List<String> queryIds = new ArrayList<>();
    int skipped = 0;
    for (String id : qrels.queriesWithRelevant()) {
      if (!dataset.queries().containsKey(id)) {
        skipped++;
      } else if (limit == 0 || queryIds.size() < limit) {
        queryIds.add(id);
      }
    }
    List<String> texts = queryIds.stream().map(dataset.queries()::get).toList();
    List<SystemResult> results = new ArrayList<>();
    systems.forEach((name, factory) -> results.add(evaluate(name, factory, queryIds, texts, qrels)));
    return new Report(dataset.name(), split, queryIds.size(), skipped, dataset.corpus().size(), results);
  }

  private SystemResult evaluate(String name, Function<List<DocumentText>, Retriever> factory, List<String> queryIds,
      List<String> texts, Qrels qrels) {
    long start = System.nanoTime();
    try (Retriever retriever = factory.apply(dataset.corpus())) {
      double indexSeconds = seconds(start);
      if (!prebuilt.contains(name)) {
        log.accept(String.format(Locale.ROOT, "%s: indexed %d documents in %.1f s", name, dataset.corpus().size(),
            indexSeconds));
      }
      long searchStart = System.nanoTime();
      List<List<ScoredDocument>> rankings = retriever.search(texts, MetricSummary.DEPTH);
      double searchSeconds = seconds(searchStart);
      MetricAccumulator accumulator = new MetricAccumulator();
      Map<String, List<ScoredDocument>> run = new LinkedHashMap<>();
      for (int i = 0; i < queryIds.size(); i++) {
        List<String> ranking = rankings.get(i).stream().map(ScoredDocument::id).toList();
        accumulator.add(ranking, qrels.judgments(queryIds.get(i)));
        run.put(queryIds.get(i), rankings.get(i));
      }
      if (runFiles != null) {
        writeRun(name, run);
      }
      log.accept(String.format(Locale.ROOT, "%s: searched %d queries in %.1f s", name, queryIds.size(), searchSeconds));
      return new SystemResult(name, accumulator.summary(), indexSeconds, searchSeconds);
    }
  }

  private void writeRun(String name, Map<String, List<ScoredDocument>> run) {
    String system = runNames.apply(name);
    try {
      Files.createDirectories(runFiles);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + runFiles, e);
    }
    Path file = runFiles.resolve(system.replaceAll("[^A-Za-z0-9._-]", "_") + ".run");
    TrecRun.write(file, system.replaceAll("\\s", "_"), run);
    log.accept(String.format(Locale.ROOT, "%s: run file %s", system, file));
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
