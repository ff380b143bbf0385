package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.RerankingRetriever;
import dev.dualstream.evaluator.search.Retriever;
import dev.dualstream.evaluator.simulate.Exploration;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.loss.DistillationConfig.Kind;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.JointTeacher;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code dualstream experiment distill}: do distilled students keep their teacher's quality at a
 * fraction of its size, and which distillation loss does it best (papers 3, 4 and 7)?
 *
 * <p>One example stream for every model: the click simulator's log on the train split at the
 * loop's traffic, joined in memory and featurized once. For each seed, one {@link Classroom}
 * trains the teacher and every student side by side on it (a student per loss, temperature and
 * click weight tried), and the default dual encoder trains alone on the same batches, as the
 * reference the teacher must beat. Every model is then scored on the dev and the test split over
 * the whole corpus. Within each loss family the setting with the best mean dev MRR@10 over the seeds
 * is chosen; test results are the mean and standard error over the seeds. The teacher's calibration
 * (log-loss, ECE over the corpus, on the test split) is reported beside them, since paper 4 ties a
 * teacher's worth to its probabilities rather than its accuracy.
 */
public final class DistillExperiment {
  /** Steps between progress lines. */
  private static final int PROGRESS_EVERY = 200;

  private DistillExperiment() {}

  /**
   * A model the experiment trains.
   *
   * @param family the settings among which the dev split chooses (a loss, or the mix)
   * @param spec how a student learns; null for the teacher and the default model
   */
  record Setting(String name, String role, String family, String loss, StudentSpec spec) {}

  /** The settings of a run: the default model, the teacher, then the students. */
  static List<Setting> settings(DistillExperimentOptions options) {
    List<Setting> settings = new ArrayList<>();
    settings.add(new Setting("default", "default", "default", "clicks (in-batch)", null));
    settings.add(new Setting("teacher", "teacher", "teacher", "clicks (" + DistillExperimentOptions.LOOP_NEGATIVES + ")",
        null));
    settings.add(new Setting(JOINT, JOINT, JOINT, "clicks over the teacher's candidates; re-ranks its top "
        + RerankingRetriever.DEFAULT_DEPTH, null));
    DistillationConfig taught = DistillationConfig.defaults().withClickWeight(0)
        .withRankDistil(options.rankDistilTopK(), options.rankDistilSamples());
    settings.add(student(options, "student-clicks", "clicks", "clicks", taught.withClickWeight(1)));
    for (double t : options.temperatures()) {
      settings.add(student(options, "student-kl-t" + number(t), "kl", "KL T=" + number(t),
          taught.withKind(Kind.KL).withTemperature(t)));
    }
    settings.add(student(options, "student-margin-mse", "margin-mse", "Margin-MSE", taught.withKind(Kind.MARGIN_MSE)));
    settings.add(student(options, "student-multi-margin-sum", "multi-margin-sum", "multi-margin (sum)",
        taught.withKind(Kind.MULTI_MARGIN_SUM)));
    settings.add(student(options, "student-multi-margin-lse", "multi-margin-lse", "multi-margin (LSE)",
        taught.withKind(Kind.MULTI_MARGIN_LSE)));
    for (double t : options.temperatures()) {
      settings.add(student(options, "student-rankdistil-t" + number(t), "rankdistil",
          "Coupled-RankDistil k=" + options.rankDistilTopK() + " M=" + options.rankDistilSamples() + " T=" + number(t),
          taught.withKind(Kind.RANK_DISTIL).withTemperature(t)));
    }
    for (double t : options.temperatures()) {
      for (double c : options.clickWeights()) {
        settings.add(student(options, "student-kl-t" + number(t) + "-clicks" + number(c), "kl+clicks",
            "KL T=" + number(t) + " + clicks " + number(c), taught.withKind(Kind.KL).withTemperature(t)
                .withClickWeight(c)));
      }
    }
    // Paper 3's setting: students of the joint teacher, under its Margin-MSE and under the best of the others.
    settings.add(student(options, "student-joint-margin-mse", "joint margin-mse", "Margin-MSE from the joint teacher",
        taught.withKind(Kind.MARGIN_MSE), true));
    for (double t : options.temperatures()) {
      for (double c : options.clickWeights()) {
        settings.add(student(options, "student-joint-kl-t" + number(t) + "-clicks" + number(c), "joint kl+clicks",
            "KL T=" + number(t) + " + clicks " + number(c) + " from the joint teacher",
            taught.withKind(Kind.KL).withTemperature(t).withClickWeight(c), true));
      }
    }
    return settings;
  }

  /** The name and role of the joint teacher's setting. */
  static final String JOINT = "joint-teacher";

  private static Setting student(DistillExperimentOptions options, String name, String family, String loss,
      DistillationConfig distillation) {
    return student(options, name, family, loss, distillation, false);
  }

  private static Setting student(DistillExperimentOptions options, String name, String family, String loss,
      DistillationConfig distillation, boolean fromJoint) {
    ModelConfig config = options.student().toBuilder().modelName(name).batchSize(options.batchSize()).build();
    return new Setting(name, "student", family, loss, new StudentSpec(config, distillation, fromJoint));
  }

  /**
   * Runs the experiment.
   *
   * @throws IllegalArgumentException if the dataset lacks a dev or test split, or its click log is too short
   */
  public static DistillReport run(DistillExperimentOptions options, Consumer<String> log) {
    return run(options, log, LearningCurves.none());
  }

  /**
   * As {@link #run(DistillExperimentOptions, Consumer)}, also evaluating every model of the first seed along its
   * training into {@code curves} and writing their final run files where it says.
   */
  public static DistillReport run(DistillExperimentOptions options, Consumer<String> log, LearningCurves curves) {
    BeirDataset dataset = BeirReader.read(options.dataset());
    for (String split : List.of("dev", "test")) {
      if (!dataset.splits().contains(split)) {
        throw new IllegalArgumentException(dataset.name() + " has no " + split + " split; the experiment chooses on"
            + " dev and reports on test");
      }
    }
    List<Setting> settings = settings(options);
    checkHeap(options, settings, Runtime.getRuntime().maxMemory());
    log.accept(String.format(Locale.ROOT, "%s: %d documents; simulating the click log (seed %d) for %d examples; %d"
        + " models per seed, seeds %s", dataset.name(), dataset.corpus().size(), options.streamSeed(),
        options.examples(), settings.size(), options.seeds()));
    List<ClickLogExamples.Example> examples = ClickLogExamples.simulate(dataset, options.streamSeed(),
        options.examples(), NegativesExperimentOptions.DEFAULT_NOISE_CLICKS, new Traffic(options.queryZipf(), 1, 0),
        Exploration.NONE, soFar -> { });
    ModelConfig teacher = options.teacher().toBuilder().batchSize(options.batchSize()).build();
    int skipAbove = teacher.negatives().skipAbove();
    List<TrainingPair> pairs = NegativesExperiment.featurize(examples, new Featurizer(teacher.featureSpec()),
        skipAbove);
    // The default model trains on the same examples in its own feature space, which a larger teacher's may not be.
    ModelConfig reference = options.reference().toBuilder().batchSize(options.batchSize()).build();
    List<TrainingPair> referencePairs = reference.featureSpec().equals(teacher.featureSpec()) ? pairs
        : NegativesExperiment.featurize(examples, new Featurizer(reference.featureSpec()), skipAbove);
    Map<String, List<Trained>> trained = new LinkedHashMap<>();
    settings.forEach(s -> trained.put(s.name(), new ArrayList<>()));
    List<Calibration.Summary> calibrations = new ArrayList<>();
    for (long seed : options.seeds()) {
      // The report's curves and run files are the first seed's.
      Map<String, Trained> run = trainSeed(options, dataset, settings, teacher, pairs, reference, referencePairs, seed,
          calibrations, examples, seed == options.seeds().get(0) ? curves : LearningCurves.none(), log);
      run.forEach((name, result) -> trained.get(name).add(result));
    }
    return DistillReport.of(dataset.name(), pairs.size(), options, settings, trained, calibrations);
  }

  /**
   * Refuses, before hours of training, a run whose models cannot fit this JVM's heap: each model holds its
   * parameters and as many optimizer values (Adagrad's sums, Adam's moments), four bytes each, all at once.
   *
   * @throws IllegalArgumentException saying how much heap the run needs and how to give it
   */
  static void checkHeap(DistillExperimentOptions options, List<Setting> settings, long maxHeap) {
    long parameters = options.teacher().parameters() + options.reference().parameters()
        + settings.stream().filter(s -> s.spec() != null).mapToLong(s -> s.spec().config().parameters()).sum();
    long needed = 8 * parameters + (1L << 30);
    if (needed > maxHeap) {
      long gib = (needed + (1L << 30) - 1) >> 30;
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the %d models of this run need about %d GiB of"
          + " heap and this JVM has %.1f: run it with DUALSTREAM_JAVA_OPTS=-Xmx%dg, or with fewer settings"
          + " (--temperatures, --click-weights)", settings.size(), gib, maxHeap / (double) (1L << 30), gib + 1));
    }
  }

  /** One seed's scores of a model. */
  record Trained(MetricSummary dev, MetricSummary test, double msPerExample, long parameters) {}

  private static Map<String, Trained> trainSeed(DistillExperimentOptions options, BeirDataset dataset,
      List<Setting> settings, ModelConfig teacher, List<TrainingPair> pairs, ModelConfig reference,
      List<TrainingPair> referencePairs, long seed, List<Calibration.Summary> calibrations,
      List<ClickLogExamples.Example> stream, LearningCurves curves, Consumer<String> log) {
    boolean record = curves.enabled();
    List<StudentSpec> students = settings.stream().filter(s -> s.spec() != null).map(Setting::spec).toList();
    int batch = options.batchSize();
    int steps = pairs.size() / batch;
    Map<String, Long> nanos = new HashMap<>();
    Map<String, Trained> out = new LinkedHashMap<>();
    try (Classroom classroom = Classroom.create(teacher, students, seed);
        DualEncoderTrainer baseline = DualEncoderTrainer.create(reference, seed)) {
      long start = System.nanoTime();
      for (int step = 0; step < steps; step++) {
        List<TrainingPair> fresh = pairs.subList(step * batch, (step + 1) * batch);
        Classroom.Lesson lesson = classroom.step(fresh);
        nanos.merge("teacher", lesson.teacher().totalNanos(), Long::sum);
        nanos.merge(JOINT, lesson.teacher().totalNanos() + lesson.jointNanos(), Long::sum);
        lesson.students().forEach((name, r) -> nanos.merge(name, r.totalNanos(), Long::sum));
        nanos.merge("default", baseline.step(referencePairs.subList(step * batch, (step + 1) * batch)).totalNanos(),
            Long::sum);
        if (curves.due(step, steps)) {
          int seen = (step + 1) * batch;
          forEachRetriever(settings, classroom, baseline, dataset, teacher, (setting, retriever, parameters) ->
              curves.add(setting.name(), seen, LearningCurves.newestEventTime(stream, seen),
                  test(retriever, dataset, options.evalQueries(), null)));
          log.accept(String.format(Locale.ROOT, "seed %d: step %d of %d, every model scored on the test split for the"
              + " report", seed, step + 1, steps));
        }
        if ((step + 1) % PROGRESS_EVERY == 0 || step + 1 == steps) {
          log.accept(String.format(Locale.ROOT, "seed %d: step %d of %d, teacher loss %.3f, %.2f s per step for all"
              + " models", seed, step + 1, steps, lesson.teacher().loss(), (System.nanoTime() - start) / 1e9
              / (step + 1)));
        }
      }
      long examples = (long) steps * batch;
      forEachRetriever(settings, classroom, baseline, dataset, teacher, (setting, retriever, parameters) -> {
        double ms = nanos.get(setting.name()) / 1e6 / examples;
        Trained result = evaluate(retriever, dataset, options.evalQueries(), ms, parameters,
            setting.role().equals("teacher") ? calibrations : null, teacher.scale(), record ? curves.runFiles()
                .map(dir -> dir.resolve(setting.name())).orElse(null) : null);
        if (record) {
          curves.add(setting.name(), examples, LearningCurves.newestEventTime(stream, (int) examples), result.test());
        }
        log.accept(String.format(Locale.ROOT, "seed %d: %-34s dev MRR@10 %.4f, test Recall@10 %.4f MRR@10 %.4f",
            seed, setting.name(), result.dev().mrrAt10(), result.test().recallAt10(), result.test().mrrAt10()));
        out.put(setting.name(), result);
      });
    }
    return out;
  }

  /** Takes a setting's retriever over the corpus as its model stands, and the model's parameter count. */
  private interface RetrieverUse {
    void accept(Setting setting, Retriever retriever, long parameters);
  }

  /**
   * Builds every setting's retriever over the corpus from its model as it stands (the joint teacher re-ranks
   * the dense teacher's top {@link RerankingRetriever#DEFAULT_DEPTH}), hands each to {@code use} in the
   * settings' order, and closes it.
   */
  private static void forEachRetriever(List<Setting> settings, Classroom classroom, DualEncoderTrainer baseline,
      BeirDataset dataset, ModelConfig teacher, RetrieverUse use) {
    try (RetrievalModel teacherModel = classroom.teacher().asRetrievalModel();
        DenseIndex teacherIndex = DenseIndex.build(teacherModel, dataset.corpus())) {
      JointTeacher joint = classroom.joint().orElseThrow();
      double scale = teacher.scale();
      Featurizer featurizer = classroom.teacher().featurizer();
      Map<String, int[]> documentIds = new HashMap<>();
      dataset.corpus().forEach(d -> documentIds.put(d.id(), featurizer.document(d.title(), d.text())));
      RerankingRetriever reranker = new RerankingRetriever(teacherIndex, RerankingRetriever.DEFAULT_DEPTH,
          (query, vector, ids, vectors) -> joint.score(vector, featurizer.query(query), vectors,
              ids.stream().map(documentIds::get).toList(), scale));
      long teacherParameters = classroom.teacher().config().parameters();
      for (Setting setting : settings) {
        switch (setting.role()) {
          case "teacher" -> use.accept(setting, teacherIndex, teacherParameters);
          case JOINT -> use.accept(setting, reranker, teacherParameters + joint.parameters());
          default -> {
            DualEncoderTrainer trainer = setting.role().equals("default") ? baseline : classroom.students().stream()
                .filter(s -> s.name().equals(setting.name())).findFirst().orElseThrow().trainer();
            try (RetrievalModel model = trainer.asRetrievalModel();
                DenseIndex index = DenseIndex.build(model, dataset.corpus())) {
              use.accept(setting, index, trainer.config().parameters());
            }
          }
        }
      }
    }
  }

  /** Scores a retriever on the dev and test splits; with {@code calibrations}, also a dense index's calibration. */
  private static Trained evaluate(Retriever retriever, BeirDataset dataset, int evalQueries, double msPerExample,
      long parameters, List<Calibration.Summary> calibrations, double scale, Path runFile) {
    MetricSummary dev = OfflineEvaluation.on(dataset).split("dev").limit(evalQueries).prebuilt("m", retriever).run()
        .result("m").orElseThrow().metrics();
    MetricSummary test = test(retriever, dataset, evalQueries, runFile);
    if (calibrations != null) {
      calibrations.add(calibration((DenseIndex) retriever, dataset, evalQueries, scale));
    }
    return new Trained(dev, test, msPerExample, parameters);
  }

  /** Scores a retriever on the test split, writing its run as {@code runFile} ({@code DIR/NAME}.run) if given. */
  private static MetricSummary test(Retriever retriever, BeirDataset dataset, int evalQueries, Path runFile) {
    OfflineEvaluation evaluation = OfflineEvaluation.on(dataset).split("test").limit(evalQueries)
        .prebuilt("m", retriever);
    if (runFile != null) {
      evaluation.runFiles(runFile.getParent(), system -> runFile.getFileName().toString());
    }
    return evaluation.run().result("m").orElseThrow().metrics();
  }

  /** The model's calibration over the whole corpus on the test split's queries. */
  static Calibration.Summary calibration(DenseIndex index, BeirDataset dataset, int evalQueries, double scale) {
    Qrels qrels = dataset.qrels("test");
    List<String> ids = new ArrayList<>();
    for (String id : qrels.queriesWithRelevant()) {
      if (dataset.queries().containsKey(id) && (evalQueries == 0 || ids.size() < evalQueries)) {
        ids.add(id);
      }
    }
    float[] queries = index.embedQueries(ids.stream().map(dataset.queries()::get).toList());
    float[] documents = index.documentVectors();
    List<String> docIds = index.documentIds();
    int dim = index.dimension();
    int n = docIds.size();
    Calibration calibration = new Calibration();
    double[] logits = new double[n];
    for (int q = 0; q < ids.size(); q++) {
      Map<String, Integer> judged = qrels.judgments(ids.get(q));
      boolean[] relevant = new boolean[n];
      boolean any = false;
      for (int d = 0; d < n; d++) {
        double dot = 0;
        for (int k = 0; k < dim; k++) {
          dot += queries[q * dim + k] * documents[d * dim + k];
        }
        logits[d] = scale * dot;
        relevant[d] = judged.getOrDefault(docIds.get(d), 0) > 0;
        any |= relevant[d];
      }
      if (any) {
        calibration.add(logits, relevant);
      }
    }
    return calibration.summary();
  }

  /** A number as a setting name shows it: 1 rather than 1.0. */
  static String number(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }
}
