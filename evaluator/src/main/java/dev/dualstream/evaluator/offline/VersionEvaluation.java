package dev.dualstream.evaluator.offline;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.HybridRetriever;
import dev.dualstream.trainer.model.RetrievalModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * How a trained model is scored, the same in the demo and in {@code evaluate --follow}: as {@code dense}
 * (exact search over its embeddings of the whole corpus), as {@code hybrid} (fused with BM25, the dense
 * weight chosen on {@value #TUNING_SPLIT} when the dataset has that split, never on the split reported), and
 * beside {@code bm25}; other models (say, the untrained one) can be scored along, after dense. Both indexes
 * are built once per call and shared by the systems that use them.
 */
public final class VersionEvaluation {
  /** The split the hybrid's weight is chosen on. */
  public static final String TUNING_SPLIT = "dev";

  private final BeirDataset dataset;
  private final String split;
  private final int limit;
  private final Consumer<String> log;
  private final UnaryOperator<String> runNames;

  /** What one evaluation found: the report (systems in order), and the hybrid's weight if there was one. */
  public record Result(Report report, Optional<HybridTuning.Choice> hybrid, double seconds) {}

  /**
   * @param split the split scored (e.g. test)
   * @param limit at most this many queries of each split, in qrels order; 0 for all
   */
  public VersionEvaluation(BeirDataset dataset, String split, int limit, Consumer<String> log) {
    this(dataset, split, limit, log, UnaryOperator.identity());
  }

  private VersionEvaluation(BeirDataset dataset, String split, int limit, Consumer<String> log,
      UnaryOperator<String> runNames) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.split = Objects.requireNonNull(split, "split");
    if (split.equals(TUNING_SPLIT)) {
      throw new IllegalArgumentException("the hybrid's weight is chosen on " + TUNING_SPLIT + ": score another split");
    }
    dataset.qrels(split);
    if (limit < 0) {
      throw new IllegalArgumentException("the query limit must be 0 (all) or positive, was " + limit);
    }
    this.limit = limit;
    this.log = Objects.requireNonNull(log, "log");
    this.runNames = Objects.requireNonNull(runNames, "runNames");
  }

  /**
   * The same evaluation, naming each system's run file (and run) {@code runNames.apply(system)} instead of the
   * system's name ("dense", "hybrid", "bm25"): for callers that keep several models' runs in one directory.
   */
  public VersionEvaluation withRunNames(UnaryOperator<String> runNames) {
    return new VersionEvaluation(dataset, split, limit, log, runNames);
  }

  /**
   * Scores {@code model}; {@code bm25} must be built over the dataset's corpus (it is reused across calls and
   * not closed here).
   */
  public Result run(RetrievalModel model, Bm25Index bm25, Map<String, RetrievalModel> alsoScored) {
    return run(model, bm25, alsoScored, null);
  }

  /** As {@link #run(RetrievalModel, Bm25Index, Map)}, also writing each system's run file into {@code runs}. */
  public Result run(RetrievalModel model, Bm25Index bm25, Map<String, RetrievalModel> alsoScored, Path runs) {
    long start = System.nanoTime();
    try (DenseIndex dense = DenseIndex.build(model, dataset.corpus())) {
      log.accept(String.format("dense: indexed %,d documents in %.1f s", dense.size(), (System.nanoTime() - start) / 1e9));
      return run(dense, bm25, alsoScored, runs, start);
    }
  }

  /**
   * As {@link #run(RetrievalModel, Bm25Index, Map, Path)} on a dense index the caller built over the dataset's
   * corpus (and closes), so that a caller scoring the same version elsewhere embeds the corpus once.
   */
  public Result run(DenseIndex dense, Bm25Index bm25, Map<String, RetrievalModel> alsoScored, Path runs) {
    return run(dense, bm25, alsoScored, runs, System.nanoTime());
  }

  private Result run(DenseIndex dense, Bm25Index bm25, Map<String, RetrievalModel> alsoScored, Path runs,
      long start) {
    OfflineEvaluation evaluation = OfflineEvaluation.on(dataset).split(split).log(log)
        .prebuilt("dense", dense);
    new LinkedHashMap<>(alsoScored).forEach(evaluation::model);
    Optional<HybridTuning.Choice> hybrid = Optional.empty();
    if (dataset.splits().contains(TUNING_SPLIT)) {
      HybridTuning.Choice choice = HybridTuning.tune(dataset, TUNING_SPLIT, dense, bm25, limit);
      log.accept(String.format("hybrid: %s, chosen on the %s split (Recall@10 %.3f, MRR@10 %.3f"
              + " there; BM25 alone %.3f, %.3f)", choice.fusion().describe(), choice.split(),
          choice.metrics().recallAt10(), choice.metrics().mrrAt10(), choice.lexical().recallAt10(),
          choice.lexical().mrrAt10()));
      evaluation.prebuilt("hybrid", HybridRetriever.of(dense, bm25, choice.fusion(), dataset.corpus()));
      hybrid = Optional.of(choice);
    } else {
      log.accept("hybrid: left out, " + dataset.name() + " has no " + TUNING_SPLIT + " split to choose its weight on");
    }
    evaluation.prebuilt("bm25", bm25);
    if (limit > 0) {
      evaluation.limit(limit);
    }
    if (runs != null) {
      evaluation.runFiles(runs, runNames);
    }
    Report report = evaluation.run();
    return new Result(report, hybrid, (System.nanoTime() - start) / 1e9);
  }
}
