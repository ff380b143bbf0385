package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.TrainingPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code dualstream experiment sparsity}: does the lazy neuron phenomenon (Li et al., ICLR 2023,
 * paper 1) appear in the dual encoder's Transformer tower trained on click logs?
 *
 * <p>One example stream for every run: the click simulator's log on the train split with a fixed
 * seed ({@link ClickLogExamples}), featurized once. Each run trains a Transformer tower from scratch
 * by the streaming trainer's own step ({@link DualEncoderTrainer}), and at evenly spaced steps
 * measures the share of nonzero feed-forward activations of each block over a fixed probe (test
 * queries and their relevant documents, padding excluded) and test Recall@10 over the whole corpus.
 *
 * <p>Runs: every width at every depth on the click log (one pass, fresh examples every step); at
 * the middle width and first depth, two variants that separate causes: random labels (each query
 * paired with another example's click, so nothing but memorisation is learnable) and repeated
 * examples (the first {@code 1/epochs} of the log, passed over {@code epochs} times: as many steps,
 * fewer distinct examples). Top-k: at the same shape, the plain model and one per k, each scored on
 * Recall@10, the calibration error of its softmax over the corpus, Recall@10 with a share of each
 * test query's words dropped, and Recall@10 after training on a log whose clicks are partly
 * replaced by other examples' clicks.
 */
public final class SparsityExperiment {
  /** Test queries, each with one relevant document, whose sequences the nonzero shares are over. */
  static final int PROBE_QUERIES = 128;

  private SparsityExperiment() {}

  /** Runs every run of the options and returns the report. */
  public static SparsityReport run(SparsityExperimentOptions options, Consumer<String> log) {
    BeirDataset dataset = BeirReader.read(options.dataset());
    ClickLogExamples.Stream stream =
        ClickLogExamples.simulateWithHeldOut(dataset, options.seed(), options.examples(), options.heldOut(), log);
    List<ClickLogExamples.Example> examples = stream.training();
    int middle = options.middleWidth();
    int firstDepth = options.depths().get(0);
    Featurizer featurizer = new Featurizer(options.model(middle, firstDepth, 0).featureSpec());
    Streams streams = new Streams(examples, featurizer, options);
    Evaluation evaluation = new Evaluation(dataset, options, new HeldOutClicks(stream.heldOut(), options.batchSize(),
        options.model(middle, firstDepth, 0).scale()));
    List<int[]> probe = probe(dataset, featurizer);
    log.accept(String.format(Locale.ROOT, "model: width %d, %d heads, <= %d query and %d document ids; probe: %d "
        + "sequences; Recall@10 over %d test queries", SparsityExperimentOptions.MODEL_WIDTH,
        SparsityExperimentOptions.HEADS, SparsityExperimentOptions.QUERY_IDS, SparsityExperimentOptions.DOC_IDS,
        probe.size(), evaluation.queries()));

    List<SparsityReport.Run> runs = new ArrayList<>();
    Trained plain = null;
    for (int depth : options.depths()) {
      for (int width : options.widths()) {
        Trained trained = train(options.model(width, depth, 0), "clicks", streams.clicks, probe, evaluation,
            options, log);
        runs.add(trained.run);
        if (width == middle && depth == firstDepth) {
          plain = trained;
        }
      }
    }
    ModelConfig variantModel = options.model(middle, firstDepth, 0);
    runs.add(train(variantModel, "random-labels", streams.randomLabels, probe, evaluation, options, log).run);
    runs.add(train(variantModel, "repeated", streams.repeated, probe, evaluation, options, log).run);

    List<SparsityReport.TopK> topk = new ArrayList<>();
    topk.add(new SparsityReport.TopK("none", plain.recall, plain.ece, plain.eceCorpus, plain.droppedRecall,
        train(variantModel, "noisy-labels", streams.noisyLabels, probe, evaluation, options, log).recall));
    for (int k : options.topK()) {
      ModelConfig model = options.model(middle, firstDepth, k);
      Trained clean = train(model, "clicks-top" + k, streams.clicks, probe, evaluation, options, log);
      Trained noisy = train(model, "noisy-labels-top" + k, streams.noisyLabels, probe, evaluation, options, log);
      topk.add(new SparsityReport.TopK(k, clean.recall, clean.ece, clean.eceCorpus, clean.droppedRecall, noisy.recall));
    }
    return new SparsityReport(dataset.name(), streams.clicks.size(), options.batchSize(), options.seed(),
        SparsityExperimentOptions.MODEL_WIDTH, SparsityExperimentOptions.HEADS, evaluation.queries(), probe.size(),
        runs, topk);
  }

  /** A run's curve and its final model's scores. */
  private record Trained(SparsityReport.Run run, double recall, double ece, double eceCorpus, double droppedRecall) {}

  private static Trained train(ModelConfig config, String variant, List<TrainingPair> pairs, List<int[]> probe,
      Evaluation evaluation, SparsityExperimentOptions options, Consumer<String> log) {
    int batch = options.batchSize();
    int steps = pairs.size() / batch;
    TreeSet<Integer> due = new TreeSet<>();
    for (int i = 0; i <= options.points(); i++) {
      due.add((int) Math.round((double) steps * i / options.points()));
    }
    String name = String.format(Locale.ROOT, "%s width %d depth %d%s", variant, config.hiddenDim(),
        config.transformer().layers(), config.transformer().topK() > 0 ? " top-k " + config.transformer().topK() : "");
    List<SparsityReport.Point> points = new ArrayList<>();
    long trainingNanos = 0;
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, options.seed())) {
      Scores last = null;
      for (int step = 0; ; step++) {
        if (due.contains(step)) {
          float[] shares = trainer.feedForwardNonzero(probe);
          last = evaluation.score(trainer, step == steps);
          List<Double> nonzero = new ArrayList<>(shares.length);
          for (float share : shares) {
            nonzero.add((double) share);
          }
          points.add(new SparsityReport.Point(step, nonzero, last.recall));
          log.accept(String.format(Locale.ROOT, "%s: step %d/%d, nonzero %s, Recall@10 %.4f", name, step, steps,
              nonzero.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList(), last.recall));
        }
        if (step == steps) {
          break;
        }
        long start = System.nanoTime();
        trainer.step(pairs.subList(step * batch, (step + 1) * batch));
        trainingNanos += System.nanoTime() - start;
      }
      double perSecond = (double) steps * batch / Math.max(1e-9, trainingNanos / 1e9);
      SparsityReport.Run run = new SparsityReport.Run(config.hiddenDim(), config.transformer().layers(), variant,
          points, perSecond);
      return new Trained(run, last.recall, last.ece, last.eceCorpus, last.droppedRecall);
    }
  }

  /** Test queries with a relevant document, and those documents, featurized: what the nonzero shares are over. */
  static List<int[]> probe(BeirDataset dataset, Featurizer featurizer) {
    Qrels qrels = dataset.qrels("test");
    List<int[]> sequences = new ArrayList<>();
    for (String id : qrels.queriesWithRelevant()) {
      if (sequences.size() >= 2 * PROBE_QUERIES) {
        break;
      }
      String query = dataset.queries().get(id);
      var relevant = qrels.relevant(id).stream().map(dataset::document).flatMap(java.util.Optional::stream)
          .findFirst();
      if (query != null && relevant.isPresent()) {
        sequences.add(featurizer.query(query));
        sequences.add(featurizer.document(relevant.get().title(), relevant.get().text()));
      }
    }
    return sequences;
  }

  /** The example streams the runs train on, each as many pairs as the click log's. */
  private static final class Streams {
    final List<TrainingPair> clicks = new ArrayList<>();
    final List<TrainingPair> randomLabels = new ArrayList<>();
    final List<TrainingPair> noisyLabels = new ArrayList<>();
    final List<TrainingPair> repeated = new ArrayList<>();

    Streams(List<ClickLogExamples.Example> examples, Featurizer featurizer, SparsityExperimentOptions options) {
      int n = examples.size();
      SplittableRandom random = new SplittableRandom(options.seed() ^ 0x5ba45e);
      for (ClickLogExamples.Example e : examples) {
        clicks.add(TrainingPair.of(featurizer, e.query(), e.positive()));
      }
      for (int i = 0; i < n; i++) {
        ClickLogExamples.Example e = examples.get(i);
        randomLabels.add(TrainingPair.of(featurizer, e.query(), examples.get(random.nextInt(n)).positive()));
        noisyLabels.add(random.nextDouble() < options.labelNoise()
            ? TrainingPair.of(featurizer, e.query(), examples.get(random.nextInt(n)).positive()) : clicks.get(i));
      }
      List<TrainingPair> share = clicks.subList(0, n / options.epochs());
      while (repeated.size() + share.size() <= n) {
        repeated.addAll(share);
      }
    }
  }

  /** A model's scores: test Recall@10, the in-batch and corpus calibration errors, Recall@10 with words dropped. */
  record Scores(double recall, double ece, double eceCorpus, double droppedRecall) {}

  /** Scores models on the test split, and on the same queries with words dropped. */
  static final class Evaluation {
    private final BeirDataset dataset;
    private final BeirDataset dropped;
    private final int evalQueries;
    private final HeldOutClicks heldOut;

    Evaluation(BeirDataset dataset, SparsityExperimentOptions options, HeldOutClicks heldOut) {
      this.dataset = dataset;
      this.dropped = withWordsDropped(dataset, options.tokenDropout(), options.seed());
      this.evalQueries = options.evalQueries();
      this.heldOut = heldOut;
    }

    /** Test Recall@10 alone. */
    Evaluation(BeirDataset dataset, int evalQueries) {
      this.dataset = dataset;
      this.dropped = null;
      this.evalQueries = evalQueries;
      this.heldOut = null;
    }

    int queries() {
      int all = dataset.qrels("test").queriesWithRelevant().size();
      return evalQueries == 0 ? all : Math.min(all, evalQueries);
    }

    /** Recall@10; with {@code full}, also the calibration errors and Recall@10 with words dropped. */
    Scores score(DualEncoderTrainer trainer, boolean full) {
      try (RetrievalModel model = trainer.asRetrievalModel();
          DenseIndex index = DenseIndex.build(model, dataset.corpus())) {
        double recall = recall(dataset, index);
        if (!full || heldOut == null) {
          return new Scores(recall, Double.NaN, Double.NaN, Double.NaN);
        }
        double corpus = DistillExperiment.calibration(index, dataset, evalQueries, trainer.config().scale()).ece();
        return new Scores(recall, heldOut.calibrationError(trainer), corpus, recall(dropped, index));
      }
    }

    private double recall(BeirDataset on, DenseIndex index) {
      return OfflineEvaluation.on(on).split("test").limit(evalQueries).prebuilt("m", index).run().result("m")
          .orElseThrow().metrics().recallAt10();
    }
  }

  /**
   * The dataset with each query's words dropped independently with probability {@code share}, at
   * least one kept; seeded per query, so every model sees the same corrupted queries.
   */
  static BeirDataset withWordsDropped(BeirDataset dataset, double share, long seed) {
    Map<String, String> queries = new LinkedHashMap<>();
    dataset.queries().forEach((id, text) -> {
      String[] words = text.trim().split("\\s+");
      SplittableRandom random = new SplittableRandom(seed * 31 + id.hashCode());
      List<String> kept = new ArrayList<>();
      for (String word : words) {
        if (random.nextDouble() >= share) {
          kept.add(word);
        }
      }
      if (kept.isEmpty()) {
        kept.add(words[random.nextInt(words.length)]);
      }
      queries.put(id, String.join(" ", kept));
    });
    Map<String, Qrels> qrels = new HashMap<>();
    dataset.splits().forEach(split -> qrels.put(split, dataset.qrels(split)));
    return BeirDataset.of(dataset.name(), dataset.corpus(), queries, qrels);
  }
}
