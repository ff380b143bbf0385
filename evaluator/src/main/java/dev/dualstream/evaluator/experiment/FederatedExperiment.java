package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.simulate.InterestModel;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.trainer.federated.FederatedServer;
import dev.dualstream.trainer.federated.ServerOptimizer;
import dev.dualstream.trainer.federated.flink.FederatedJob;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.FederatedModel;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@code dualstream experiment federated}: do adaptive server optimizers (Reddi et al., ICLR 2021,
 * paper 5) beat FedAvg when the dual encoder is trained federated over the users of a click log?
 *
 * <p>Clients are the simulator's users, given topics of their own ({@link InterestModel}: a
 * Dirichlet mixture over topic clusters each), so their clicks are not IID; a share of users never
 * trains, and their queries, which no training user issues, are scored apart as held-out clients.
 * Every run sees the same clicks: the log is simulated once with a fixed seed. A round samples
 * clients (seeded), each takes a few steps of SGD from the global model on its own clicks ({@link
 * FederatedModel}), and the server merges their updates with the optimizer under test ({@link
 * FederatedServer}). Each optimizer runs over a small grid of server learning rates (and τ), once per
 * seed, at a client rate fixed for the task; the best setting is the one with the lowest training
 * loss at the end, the paper's rule when no validation set exists. The central model, trained by the
 * streaming trainer on the same training users' clicks in one place, is the ceiling.
 *
 * <p>The rounds run as a bounded Flink job ({@link FederatedJob}), which writes the global model as a
 * version at each evaluation point; this driver scores each version as it comes. The clicks come from
 * the simulator or from a recording of {@code training.examples} ({@link RecordedClicks}).
 */
public final class FederatedExperiment {
  /** Tasks that group the clicks by client; the rounds run in one (see {@link FederatedJob}). */
  private static final int JOB_PARALLELISM = 2;

  private FederatedExperiment() {}

  /** Runs every optimizer at every setting and seed, and the central model. */
  public static FederatedReport run(FederatedExperimentOptions options, Consumer<String> log) {
    BeirDataset dataset = BeirReader.read(options.dataset());
    Qrels train = dataset.qrels("train");
    List<String> pool = train.queriesWithRelevant().stream().filter(dataset.queries()::containsKey).toList();
    InterestModel interests = InterestModel.build(dataset, train, pool, options.interests(), options.users(), 0,
        options.streamSeed());
    List<ClickLogExamples.Example> clicks;
    Predicate<String> heldOutUser;
    if (options.recording() == null) {
      log.accept(String.format(Locale.ROOT, "%s: %d documents; simulating %d users with %d topics (alpha %s) for %d "
          + "clicks", dataset.name(), dataset.corpus().size(), options.users(), options.interests().clusters(),
          options.interests().alpha(), options.examples()));
      SimulationConfig simulation = SimulationConfig.defaults(options.streamSeed(), 0).withUsers(options.users())
          .withTraffic(Traffic.UNIFORM.withInterests(options.interests()));
      clicks = ClickLogExamples.simulate(dataset, simulation, options.examples(),
          NegativesExperimentOptions.DEFAULT_NOISE_CLICKS, soFar -> { });
      heldOutUser = user -> interests.heldOut(Integer.parseInt(user.substring(user.indexOf('-') + 1)));
    } else {
      RecordedClicks recorded = RecordedClicks.read(options.recording());
      log.accept(recorded.describe(options.recording()));
      clicks = recorded.examples().subList(0, Math.min(options.examples(), recorded.examples().size()));
      heldOutUser = user -> heldOutByHash(user, options.streamSeed(), options.interests().heldOutShare());
    }

    ModelConfig model = options.model();
    Featurizer featurizer = new Featurizer(model.featureSpec());
    Selection selection = select(clicks, heldOutUser, options.clientBatch());
    if (selection.leftOut() > 0) {
      log.accept(String.format(Locale.ROOT, "%d clicks of training users on held-out users' queries left out",
          selection.leftOut()));
    }
    Map<String, List<ClickLogExamples.Example>> clicksByClient = selection.byClient();
    Set<String> heldOutUsers = selection.heldOutUsers();
    Set<String> heldOutQueries = selection.heldOutQueries();
    if (clicksByClient.size() < options.clientsPerRound()) {
      throw new IllegalArgumentException(clicksByClient.size() + " users have a batch of " + options.clientBatch()
          + " clicks, fewer than the " + options.clientsPerRound() + " clients a round samples");
    }
    if (heldOutQueries.isEmpty()) {
      throw new IllegalArgumentException("no held-out user searched a query of their own in " + clicks.size()
          + " clicks; give more clicks or a larger held-out share");
    }
    // The clients' clicks in the order of the log: the federated job's input, and the central model's.
    List<FederatedJob.Click> clientClicks = new ArrayList<>();
    List<TrainingPair> central = new ArrayList<>();
    for (int i : selection.training()) {
      ClickLogExamples.Example e = clicks.get(i);
      TrainingPair pair = TrainingPair.of(featurizer, e.query(), e.positive());
      clientClicks.add(new FederatedJob.Click(e.user(), i, pair.queryIds(), pair.docIds()));
      central.add(pair);
    }
    List<String> clients = new ArrayList<>(clicksByClient.keySet());
    Evaluation evaluation = new Evaluation(dataset, heldOutQueries, options.evalQueries());
    FederatedReport.Distribution distribution = distribution(clicksByClient, interests);
    log.accept(String.format(Locale.ROOT, "%d training clients (median %.0f clicks, %.1f topics, %.0f%% of clicks "
        + "in the main topic); %d held-out users with %d queries of their own", clients.size(),
        distribution.examples().median(), distribution.topics().mean(), 100 * distribution.mainTopicShare(),
        heldOutUsers.size(), heldOutQueries.size()));

    FederatedReport.Central ceiling = central(model, central, options, evaluation, log);
    List<FederatedJob.Run> plannedRuns = new ArrayList<>();
    for (ServerOptimizer.Kind kind : options.optimizers()) {
      for (double rate : options.serverRates(kind)) {
        for (double tau : options.tausFor(kind)) {
          for (long seed : options.seeds()) {
            plannedRuns.add(new FederatedJob.Run(ServerOptimizer.Settings.of(kind, rate).withTau(tau), seed));
          }
        }
      }
    }
    List<FederatedReport.Run> runs = federated(model, plannedRuns, clientClicks, options, evaluation, log);
    List<FederatedReport.Best> best = new ArrayList<>();
    for (ServerOptimizer.Kind kind : options.optimizers()) {
      Map<String, List<FederatedReport.Run>> settings = new LinkedHashMap<>();
      for (FederatedReport.Run run : runs) {
        if (run.optimizer().equals(kind.label())) {
          settings.computeIfAbsent(run.serverLr() + "/" + run.tau(), k -> new ArrayList<>()).add(run);
        }
      }
      best.add(best(kind, new ArrayList<>(settings.values())));
    }
    return new FederatedReport(dataset.name(), clients.size(), heldOutUsers.size(), options.rounds(),
        options.clientsPerRound(), options.localSteps(), options.clientBatch(), evaluation.testQueries(),
        evaluation.heldOutQueries(), distribution, runs, best, ceiling);
  }

  /**
   * Runs every planned run in the federated Flink job, scoring each version it writes as it comes
   * (and deleting it once scored).
   */
  private static List<FederatedReport.Run> federated(ModelConfig config, List<FederatedJob.Run> planned,
      List<FederatedJob.Click> clicks, FederatedExperimentOptions options, Evaluation evaluation,
      Consumer<String> log) {
    Path versions;
    try {
      versions = Files.createTempDirectory("dualstream-federated-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the federated versions", e);
    }
    FederatedJob.Plan plan = new FederatedJob.Plan(config, planned, options.rounds(), options.clientsPerRound(),
        options.localSteps(), options.clientBatch(), options.clientLearningRate(), options.points(),
        versions.toString());
    List<List<FederatedReport.Point>> points = new ArrayList<>();
    double[] finalLoss = new double[planned.size()];
    planned.forEach(r -> points.add(new ArrayList<>()));
    log.accept(String.format(Locale.ROOT, "federated job: %d runs of %d rounds, %d clients a round, %d local steps "
        + "of %d at client rate %s", planned.size(), options.rounds(), options.clientsPerRound(), options.localSteps(),
        options.clientBatch(), options.clientLearningRate()));
    try {
      FederatedJob.run(clicks, plan, JOB_PARALLELISM, version -> {
        Path dir = Path.of(version.directory());
        Scores scores = evaluation.score(ModelStore.load(dir));
        deleteVersion(dir);
        points.get(version.run()).add(new FederatedReport.Point(version.round(), scores.test().recallAt10(),
            scores.test().mrrAt10(), scores.heldOut().recallAt10(), version.clientLoss()));
        if (version.round() == options.rounds()) {
          finalLoss[version.run()] = version.finalLoss();
        }
        log.accept(String.format(Locale.ROOT, "%s: round %d, client loss %.4f, Recall@10 %.4f, MRR@10 %.4f, "
            + "held-out Recall@10 %.4f", planned.get(version.run()).name(), version.round(), version.clientLoss(),
            scores.test().recallAt10(), scores.test().mrrAt10(), scores.heldOut().recallAt10()));
      });
    } finally {
      deleteVersion(versions);
    }
    List<FederatedReport.Run> runs = new ArrayList<>(planned.size());
    for (int i = 0; i < planned.size(); i++) {
      ServerOptimizer.Settings settings = planned.get(i).settings();
      runs.add(new FederatedReport.Run(settings.kind().label(), settings.learningRate(),
          options.clientLearningRate(), settings.tau(), planned.get(i).seed(), points.get(i), finalLoss[i]));
    }
    return runs;
  }

  /**
   * Who trains on which clicks.
   *
   * @param training the places in the log of the clicks the clients train on (and the central model), in order
   * @param byClient those clicks by client
   * @param heldOutUsers users who never train
   * @param heldOutQueries their queries, which no client trains on
   * @param leftOut training users' clicks on held-out queries, left out
   */
  record Selection(List<Integer> training, Map<String, List<ClickLogExamples.Example>> byClient,
      Set<String> heldOutUsers, Set<String> heldOutQueries, int leftOut) {}

  /**
   * Splits a log into clients and held-out users: a held-out user's queries are theirs alone, so a training
   * user's click on one is left out (the simulator's topics keep them apart already; a recording's users share
   * queries), and a client with fewer than {@code minClicks} clicks is dropped.
   */
  static Selection select(List<ClickLogExamples.Example> clicks, Predicate<String> heldOutUser, int minClicks) {
    Set<String> heldOutUsers = new HashSet<>();
    Set<String> heldOutQueries = new HashSet<>();
    for (ClickLogExamples.Example e : clicks) {
      if (heldOutUser.test(e.user())) {
        heldOutUsers.add(e.user());
        heldOutQueries.add(e.queryId());
      }
    }
    Map<String, List<Integer>> places = new TreeMap<>();
    int leftOut = 0;
    for (int i = 0; i < clicks.size(); i++) {
      ClickLogExamples.Example e = clicks.get(i);
      if (heldOutUsers.contains(e.user())) {
        continue;
      }
      if (heldOutQueries.contains(e.queryId())) {
        leftOut++;
      } else {
        places.computeIfAbsent(e.user(), k -> new ArrayList<>()).add(i);
      }
    }
    places.values().removeIf(own -> own.size() < minClicks);
    Map<String, List<ClickLogExamples.Example>> byClient = new TreeMap<>();
    List<Integer> training = new ArrayList<>();
    places.forEach((user, own) -> {
      byClient.put(user, own.stream().map(clicks::get).toList());
      training.addAll(own);
    });
    training.sort(null);
    return new Selection(training, byClient, heldOutUsers, heldOutQueries, leftOut);
  }

  /** Whether a recorded user is held out: a seeded hash of the id, below the share. */
  static boolean heldOutByHash(String user, long seed, double share) {
    long h = seed ^ 0x9E3779B97F4A7C15L;
    for (int i = 0; i < user.length(); i++) {
      h = (h ^ user.charAt(i)) * 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53 < share;
  }

  private static void deleteVersion(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** The setting with the lowest mean final training loss over seeds, and its final metrics' spread. */
  private static FederatedReport.Best best(ServerOptimizer.Kind kind, List<List<FederatedReport.Run>> settings) {
    List<FederatedReport.Run> chosen = null;
    double lowest = Double.POSITIVE_INFINITY;
    for (List<FederatedReport.Run> bySeed : settings) {
      double loss = bySeed.stream().mapToDouble(FederatedReport.Run::finalTrainLoss).average().orElseThrow();
      if (!Double.isNaN(loss) && loss < lowest) {
        lowest = loss;
        chosen = bySeed;
      }
    }
    if (chosen == null) {
      chosen = settings.get(0);
    }
    List<Double> recall = new ArrayList<>();
    List<Double> mrr = new ArrayList<>();
    List<Double> heldOut = new ArrayList<>();
    for (FederatedReport.Run run : chosen) {
      FederatedReport.Point last = run.points().get(run.points().size() - 1);
      recall.add(last.recallAt10());
      mrr.add(last.mrrAt10());
      heldOut.add(last.heldOutRecallAt10());
    }
    return new FederatedReport.Best(kind.label(), chosen.get(0).serverLr(), chosen.get(0).tau(),
        FederatedReport.Spread.of(recall), FederatedReport.Spread.of(mrr), FederatedReport.Spread.of(heldOut));
  }

  private static FederatedReport.Central central(ModelConfig config, List<TrainingPair> pairs,
      FederatedExperimentOptions options, Evaluation evaluation, Consumer<String> log) {
    int batch = config.batchSize();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, options.seeds().get(0))) {
      for (int from = 0; from + batch <= pairs.size(); from += batch) {
        trainer.step(pairs.subList(from, from + batch));
      }
      Scores scores = evaluation.score(trainer.asRetrievalModel());
      log.accept(String.format(Locale.ROOT, "central, %d clicks in batches of %d: Recall@10 %.4f, MRR@10 %.4f, "
          + "held-out Recall@10 %.4f", pairs.size() / batch * batch, batch, scores.test().recallAt10(),
          scores.test().mrrAt10(), scores.heldOut().recallAt10()));
      return new FederatedReport.Central(scores.test().recallAt10(), scores.test().mrrAt10(),
          scores.heldOut().recallAt10());
    }
  }

  private static FederatedReport.Distribution distribution(Map<String, List<ClickLogExamples.Example>> byClient,
      InterestModel interests) {
    List<Integer> examples = new ArrayList<>();
    List<Integer> queries = new ArrayList<>();
    List<Integer> topics = new ArrayList<>();
    double mainShare = 0;
    for (List<ClickLogExamples.Example> own : byClient.values()) {
      examples.add(own.size());
      queries.add((int) own.stream().map(ClickLogExamples.Example::queryId).distinct().count());
      Map<Integer, Integer> perTopic = new HashMap<>();
      own.forEach(e -> perTopic.merge(interests.clusterOf(e.queryId()), 1, Integer::sum));
      topics.add(perTopic.size());
      mainShare += (double) perTopic.values().stream().mapToInt(Integer::intValue).max().orElse(0) / own.size();
    }
    return new FederatedReport.Distribution(FederatedReport.Summary.of(examples), FederatedReport.Summary.of(queries),
        FederatedReport.Summary.of(topics), mainShare / byClient.size());
  }

  /** Test and held-out metrics of a model. */
  private record Scores(MetricSummary test, MetricSummary heldOut) {}

  /** Scores a model on the test split and on the held-out users' queries, embedding the corpus once. */
  private static final class Evaluation {
    private final BeirDataset dataset;
    private final BeirDataset heldOut;
    private final int evalQueries;

    Evaluation(BeirDataset dataset, Set<String> heldOutQueries, int evalQueries) {
      this.dataset = dataset;
      this.evalQueries = evalQueries;
      Qrels train = dataset.qrels("train");
      Map<String, Map<String, Integer>> judged = new LinkedHashMap<>();
      heldOutQueries.stream().sorted().forEach(q -> judged.put(q, train.judgments(q)));
      this.heldOut = BeirDataset.of(dataset.name(), dataset.corpus(), dataset.queries(),
          Map.of("heldout", Qrels.of(judged)));
    }

    int testQueries() {
      int all = dataset.qrels("test").queriesWithRelevant().size();
      return evalQueries == 0 ? all : Math.min(all, evalQueries);
    }

    int heldOutQueries() {
      int all = heldOut.qrels("heldout").queriesWithRelevant().size();
      return evalQueries == 0 ? all : Math.min(all, evalQueries);
    }

    Scores score(RetrievalModel model) {
      try (model; DenseIndex index = DenseIndex.build(model, dataset.corpus())) {
        MetricSummary test = OfflineEvaluation.on(dataset).split("test").limit(evalQueries).prebuilt("m", index).run()
            .result("m").orElseThrow().metrics();
        MetricSummary held = OfflineEvaluation.on(heldOut).split("heldout").limit(evalQueries).prebuilt("m", index)
            .run().result("m").orElseThrow().metrics();
        return new Scores(test, held);
      }
    }
  }
}
