package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.simulate.Exploration;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.trainer.bench.CacheCost;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ReplayBuffer;
import dev.dualstream.trainer.model.ReplaySettings;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code dualstream experiment negatives}: does the negative cache (Lindgren et al., NeurIPS 2021)
 * do on real data what the paper claims?
 *
 * <p>One example stream for every setting: the click simulator's log on the dataset's train split
 * with a fixed seed, joined in memory ({@link ClickLogExamples}), featurized once. Each setting
 * trains the default model from scratch on the same examples in the same order, at the same batch
 * size and seed, and is then evaluated on the test split over the whole corpus (Recall@10, MRR@10).
 * Training time is the wall time of the step loop alone.
 */
public final class NegativesExperiment {
  private NegativesExperiment() {}

  /**
   * Runs the selected settings and returns their results in order.
   *
   * @throws IllegalArgumentException for an unknown setting or a click log too short for the examples
   */
  public static ExperimentReport run(NegativesExperimentOptions options, Consumer<String> log) {
    return run(options, log, LearningCurves.none());
  }

  /**
   * As {@link #run(NegativesExperimentOptions, Consumer)}, also evaluating each setting along its training into
   * {@code curves} and writing the final evaluation's run files where it says.
   */
  public static ExperimentReport run(NegativesExperimentOptions options, Consumer<String> log, LearningCurves curves) {
    List<ExperimentSetting> settings = ExperimentSetting.select(options.settings(), options.ablationCacheSize(),
        options.corpusRefreshSteps());
    BeirDataset dataset = BeirReader.read(options.dataset());
    log.accept(String.format(Locale.ROOT,
        "%s: %d documents; simulating the click log (seed %d, noise clicks %s) for %d examples",
        dataset.name(), dataset.corpus().size(), options.seed(), options.noiseClicks(), options.examples()));
    long start = System.nanoTime();
    List<ClickLogExamples.Example> examples = ClickLogExamples.simulate(dataset, options.seed(), options.examples(),
        options.noiseClicks(), new Traffic(options.queryZipf(), 1, 0), Exploration.onShare(options.explore()),
        soFar -> { });
    log.accept(String.format(Locale.ROOT, "%d examples in %.1f s", examples.size(), seconds(start)));
    int skipAbove = settings.stream().mapToInt(s -> s.negatives().skipAbove()).max().orElse(0);
    ModelConfig base = options.baseModel();
    String training = ExperimentReport.describeTraining(base) + describeStream(options);
    log.accept("training: " + training);
    List<TrainingPair> pairs = featurize(examples, new Featurizer(base.featureSpec()), skipAbove);
    List<SettingResult> results = new ArrayList<>();
    try (Bm25Index bm25 = options.hybrid() ? Bm25Index.build(dataset.corpus()) : null) {
      for (ExperimentSetting setting : settings) {
        ModelConfig config = base.toBuilder()
            .negatives(setting.negatives().withClickedMemory(base.negatives().clickedMemory())).build();
        results.add(train(setting, config, pairs, examples, dataset, options, bm25, curves, log));
        if (bm25 != null && results.size() == 1) {
          curves.add("bm25", pairs.size() / options.batchSize() * options.batchSize(),
              LearningCurves.newestEventTime(examples, pairs.size()), bm25Metrics(dataset, options, bm25));
        }
      }
    }
    int queries = options.evalQueries() == 0 ? dataset.qrels("test").queriesWithRelevant().size()
        : options.evalQueries();
    return new ExperimentReport(dataset.name(), pairs.size(), options.batchSize(), options.seed(), options.noiseClicks(),
        Math.min(queries, dataset.qrels("test").queriesWithRelevant().size()),
        training, results);
  }

  /** What the options change of the default stream: empty for one pass over uniformly popular queries. */
  static String describeStream(NegativesExperimentOptions options) {
    String out = "";
    if (options.queryZipf() > 0) {
      out += ", query Zipf " + options.queryZipf();
    }
    if (options.explore() > 0) {
      out += ", exploring on " + options.explore() + " of the searches";
    }
    if (options.replay().enabled()) {
      out += ", " + options.replay().describe();
    }
    return out;
  }

  static List<TrainingPair> featurize(List<ClickLogExamples.Example> examples, Featurizer featurizer,
      int skipAbove) {
    List<TrainingPair> pairs = new ArrayList<>(examples.size());
    for (ClickLogExamples.Example e : examples) {
      TrainingPair pair = TrainingPair.of(featurizer, e.query(), e.positive()).withExposure(e.exposure());
      if (skipAbove > 0 && !e.skipAbove().isEmpty()) {
        pair = pair.withSkipAbove(featurizer, e.skipAbove().subList(0, Math.min(skipAbove, e.skipAbove().size())));
      }
      pairs.add(pair);
    }
    return pairs;
  }

  private static SettingResult train(ExperimentSetting setting, ModelConfig config, List<TrainingPair> pairs,
      List<ClickLogExamples.Example> examples, BeirDataset dataset, NegativesExperimentOptions options, Bm25Index bm25,
      LearningCurves curves, Consumer<String> log) {
    int batch = options.batchSize();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, options.seed())) {
      if (config.negatives().corpusRefreshSteps() > 0 || config.negatives().uniform() > 0) {
        for (DocumentText doc : dataset.corpus()) {
          trainer.addKnownDocument(doc);
        }
      }
      Progress progress = new Progress(pairs.size() / batch);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long cpuStart = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      ReplaySettings replay = options.replay();
      ReplayBuffer buffer = replay.enabled() ? new ReplayBuffer(replay.capacity(), options.seed()) : null;
      for (int from = 0; from + batch <= pairs.size(); from += batch) {
        List<TrainingPair> fresh = pairs.subList(from, from + batch);
        progress.add(trainer.step(fresh));
        if (buffer != null) {
          buffer.addAll(fresh);
          for (int r = 0; r < replay.batchesPerStep() && buffer.size() >= batch; r++) {
            progress.replayed(trainer.replayStep(buffer.sample(batch)));
          }
        }
        if (curves.due(from / batch, pairs.size() / batch)) {
          long start2 = System.nanoTime();
          long cpu2 = threads.getCurrentThreadCpuTime();
          try (RetrievalModel model = trainer.asRetrievalModel()) {
            MetricSummary along = OfflineEvaluation.on(dataset).split("test").limit(options.evalQueries())
                .model(setting.name(), model).run().results().get(0).metrics();
            curves.add(setting.name(), from + batch, LearningCurves.newestEventTime(examples, from + batch), along);
          }
          // Evaluation is neither training time nor the training thread's CPU time.
          start += System.nanoTime() - start2;
          cpuStart += threads.getCurrentThreadCpuTime() - cpu2;
        }
        if (progress.steps % 500 == 0) {
          log.accept(String.format(Locale.ROOT, "%s: step %d, loss %.3f, %.1f ms/step%s", setting.name(),
              progress.steps, progress.windowLoss(), (System.nanoTime() - start) / 1e6 / progress.steps,
              progress.stalenessNote()));
        }
      }
      double trainSeconds = seconds(start);
      double cpuMsPerStep = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6
          / Math.max(1, progress.steps + progress.replaySteps);
      MetricSummary metrics;
      MetricSummary hybrid = null;
      long trained = (long) progress.steps * batch;
      try (RetrievalModel model = trainer.asRetrievalModel()) {
        if (bm25 == null) {
          OfflineEvaluation evaluation = OfflineEvaluation.on(dataset).split("test").limit(options.evalQueries())
              .model(setting.name(), model);
          curves.runFiles().ifPresent(evaluation::runFiles);
          metrics = evaluation.run().results().get(0).metrics();
        } else {
          VersionEvaluation evaluation = new VersionEvaluation(dataset, "test", options.evalQueries(), line -> { })
              .withRunNames(system -> system.equals("bm25") ? "bm25" : setting.name() + hybridSuffix(system));
          Report report = evaluation.run(model, bm25, Map.of(), curves.runFiles().orElse(null)).report();
          metrics = report.result("dense").orElseThrow().metrics();
          hybrid = report.result("hybrid").orElseThrow().metrics();
          curves.add(setting.name() + HYBRID_SUFFIX, trained, LearningCurves.newestEventTime(examples, (int) trained),
              hybrid);
        }
        curves.add(setting.name(), trained, LearningCurves.newestEventTime(examples, (int) trained), metrics);
      }
      double sampling = config.negatives().cacheSize() == 0 ? Double.NaN
          : CacheCost.samplingMillis(config.negatives().cacheSize(), config.negatives().cacheTopK(),
              config.outputDim(), batch, (float) config.scale(), options.seed());
      SettingResult result = progress.result(setting, trainSeconds, cpuMsPerStep, metrics, hybrid, sampling);
      log.accept(String.format(Locale.ROOT, "%s: Recall@10 %.4f, MRR@10 %.4f%s, %.1f s, %.2f ms/step",
          setting.name(), result.recallAt10(), result.mrrAt10(), hybrid == null ? ""
              : String.format(Locale.ROOT, "; hybrid %.4f, %.4f", hybrid.recallAt10(), hybrid.mrrAt10()),
          result.seconds(), result.msPerStep()));
      return result;
    }
  }

  /** How a setting fused with BM25 is named in a report. */
  static final String HYBRID_SUFFIX = "-hybrid";

  private static String hybridSuffix(String system) {
    return system.equals("hybrid") ? HYBRID_SUFFIX : "";
  }

  private static MetricSummary bm25Metrics(BeirDataset dataset, NegativesExperimentOptions options, Bm25Index bm25) {
    return OfflineEvaluation.on(dataset).split("test").limit(options.evalQueries()).prebuilt("bm25", bm25).run()
        .results().get(0).metrics();
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Sums over the steps of one setting. */
  private static final class Progress {
    private final long lastTenthFrom;
    private long steps;
    private long replaySteps;
    private long forward;
    private long backward;
    private long optimizer;
    private double lossSum;
    private long lossSteps;
    private double windowLoss;
    private int window;
    private double stalenessSum;
    private long stalenessSteps;
    private double stalenessMax = Double.NaN;
    private double windowStaleness;
    private int windowStalenessSteps;
    private int cacheFill;

    Progress(long totalSteps) {
      this.lastTenthFrom = totalSteps - Math.max(1, totalSteps / 10);
    }

    /** A step on replayed pairs: its time counts, its loss does not (the pairs were seen before). */
    void replayed(StepResult r) {
      replaySteps++;
      forward += r.forwardNanos();
      backward += r.backwardNanos();
      optimizer += r.optimizerNanos();
    }

    void add(StepResult r) {
      steps++;
      forward += r.forwardNanos();
      backward += r.backwardNanos();
      optimizer += r.optimizerNanos();
      if (steps > lastTenthFrom) {
        lossSum += r.loss();
        lossSteps++;
      }
      windowLoss += r.loss();
      window++;
      cacheFill = r.cacheSize();
      if (!Double.isNaN(r.cacheStaleness())) {
        stalenessSum += r.cacheStaleness();
        stalenessSteps++;
        windowStaleness += r.cacheStaleness();
        windowStalenessSteps++;
        stalenessMax = Double.isNaN(stalenessMax) ? r.cacheStaleness() : Math.max(stalenessMax, r.cacheStaleness());
      }
    }

    double windowLoss() {
      double mean = windowLoss / Math.max(1, window);
      windowLoss = 0;
      window = 0;
      return mean;
    }

    /** The cache's fill and its staleness since the previous note. */
    String stalenessNote() {
      if (windowStalenessSteps == 0) {
        return "";
      }
      String note = String.format(Locale.ROOT, ", cache %d, staleness %.4f", cacheFill,
          windowStaleness / windowStalenessSteps);
      windowStaleness = 0;
      windowStalenessSteps = 0;
      return note;
    }

    SettingResult result(ExperimentSetting setting, double seconds, double cpuMsPerStep, MetricSummary metrics,
        MetricSummary hybrid, double sampling) {
      long all = steps + replaySteps;
      return new SettingResult(setting.name(), setting.negatives().label(), setting.cacheSize(),
          metrics.recallAt10(), metrics.mrrAt10(), hybrid == null ? Double.NaN : hybrid.recallAt10(),
          hybrid == null ? Double.NaN : hybrid.mrrAt10(), seconds, seconds * 1000 / all, cpuMsPerStep, all,
          forward / 1e6 / all, backward / 1e6 / all, optimizer / 1e6 / all,
          lossSum / Math.max(1, lossSteps), cacheFill,
          stalenessSteps == 0 ? Double.NaN : stalenessSum / stalenessSteps, stalenessMax, sampling);
    }
  }
}
