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
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.FederatedModel;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.TrainingPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

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
 * <p>Clients run one after another in this process rather than as Flink tasks: DJL allows one
 * gradient collector per JVM, so clients in one TaskManager would take turns anyway.
 */
public final class FederatedExperiment {
  private FederatedExperiment() {}

  /** Runs every optimizer at every setting and seed, and the central model. */
  public static FederatedReport run(FederatedExperimentOptions options, Consumer<String> log) {
    BeirDataset dataset = BeirReader.read(options.dataset());
    log.accept(String.format(Locale.ROOT, "%s: %d documents; simulating %d users with %d topics (alpha %s) for %d "
        + "clicks", dataset.name(), dataset.corpus().size(), options.users(), options.interests().clusters(),
        options.interests().alpha(), options.examples()));
    SimulationConfig simulation = SimulationConfig.defaults(options.streamSeed(), 0).withUsers(options.users())
        .withTraffic(Traffic.UNIFORM.withInterests(options.interests()));
    List<ClickLogExamples.Example> clicks = ClickLogExamples.simulate(dataset, simulation, options.examples(),
        NegativesExperimentOptions.DEFAULT_NOISE_CLICKS, soFar -> { });
    Qrels train = dataset.qrels("train");
    List<String> pool = train.queriesWithRelevant().stream().filter(dataset.queries()::containsKey).toList();
    InterestModel interests = InterestModel.build(dataset, train, pool, options.interests(), options.users(), 0,
        options.streamSeed());

    ModelConfig model = options.model();
    Featurizer featurizer = new Featurizer(model.featureSpec());
    Map<String, List<TrainingPair>> byClient = new TreeMap<>();
    Map<String, List<ClickLogExamples.Example>> clicksByClient = new TreeMap<>();
    List<TrainingPair> central = new ArrayList<>();
    Set<String> heldOutUsers = new HashSet<>();
    Set<String> heldOutQueries = new HashSet<>();
    for (ClickLogExamples.Example e : clicks) {
      int user = Integer.parseInt(e.user().substring(e.user().indexOf('-') + 1));
      if (interests.heldOut(user)) {
        heldOutUsers.add(e.user());
        heldOutQueries.add(e.queryId());
        continue;
      }
      TrainingPair pair = TrainingPair.of(featurizer, e.query(), e.positive());
      byClient.computeIfAbsent(e.user(), k -> new ArrayList<>()).add(pair);
      clicksByClient.computeIfAbsent(e.user(), k -> new ArrayList<>()).add(e);
      central.add(pair);
    }
    byClient.values().removeIf(pairs -> pairs.size() < options.clientBatch());
    clicksByClient.keySet().retainAll(byClient.keySet());
    if (byClient.size() < options.clientsPerRound()) {
      throw new IllegalArgumentException(byClient.size() + " users have a batch of " + options.clientBatch()
          + " clicks, fewer than the " + options.clientsPerRound() + " clients a round samples");
    }
    if (heldOutQueries.isEmpty()) {
      throw new IllegalArgumentException("no held-out user searched in " + options.examples()
          + " clicks; give more clicks or a larger held-out share");
    }
    List<String> clients = new ArrayList<>(byClient.keySet());
    Evaluation evaluation = new Evaluation(dataset, heldOutQueries, options.evalQueries());
    FederatedReport.Distribution distribution = distribution(clicksByClient, interests);
    log.accept(String.format(Locale.ROOT, "%d training clients (median %.0f clicks, %.1f topics, %.0f%% of clicks "
        + "in the main topic); %d held-out users with %d queries of their own", clients.size(),
        distribution.examples().median(), distribution.topics().mean(), 100 * distribution.mainTopicShare(),
        heldOutUsers.size(), heldOutQueries.size()));

    FederatedReport.Central ceiling = central(model, central, options, evaluation, log);
    List<FederatedReport.Run> runs = new ArrayList<>();
    List<FederatedReport.Best> best = new ArrayList<>();
    for (ServerOptimizer.Kind kind : options.optimizers()) {
      List<List<FederatedReport.Run>> settings = new ArrayList<>();
      for (double rate : options.serverRates(kind)) {
        for (double tau : options.tausFor(kind)) {
          List<FederatedReport.Run> bySeed = new ArrayList<>();
          for (long seed : options.seeds()) {
            ServerOptimizer.Settings settingsOf = ServerOptimizer.Settings.of(kind, rate).withTau(tau);
            FederatedReport.Run run = federated(model, settingsOf, seed, clients, byClient, options, evaluation, log);
            bySeed.add(run);
            runs.add(run);
          }
          settings.add(bySeed);
        }
      }
      best.add(best(kind, settings));
    }
    return new FederatedReport(dataset.name(), clients.size(), heldOutUsers.size(), options.rounds(),
        options.clientsPerRound(), options.localSteps(), options.clientBatch(), evaluation.testQueries(),
        evaluation.heldOutQueries(), distribution, runs, best, ceiling);
  }

  private static FederatedReport.Run federated(ModelConfig config, ServerOptimizer.Settings settings, long seed,
      List<String> clients, Map<String, List<TrainingPair>> byClient, FederatedExperimentOptions options,
      Evaluation evaluation, Consumer<String> log) {
    String name = String.format(Locale.ROOT, "%s lr %s tau %s seed %d", settings.kind().label(),
        settings.learningRate(), settings.tau(), seed);
    List<FederatedReport.Point> points = new ArrayList<>();
    int every = Math.max(1, options.rounds() / options.points());
    double lossSum = 0;
    int lossCount = 0;
    double finalLoss = 0;
    int finalCount = 0;
    int lastTenth = options.rounds() - Math.max(1, options.rounds() / 10);
    try (FederatedModel model = FederatedModel.create(config, seed)) {
      FederatedServer server = new FederatedServer(new ServerOptimizer(settings), config.embeddingDim());
      for (int round = 0; round < options.rounds(); round++) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + round);
        for (String client : sample(clients, options.clientsPerRound(), random)) {
          FederatedServer.ClientUpdate update = model.train(
              localBatches(byClient.get(client), options.localSteps(), options.clientBatch(), random),
              options.clientLearningRate());
          server.accept(update);
          lossSum += update.loss();
          lossCount++;
          if (round >= lastTenth) {
            finalLoss += update.loss();
            finalCount++;
          }
        }
        model.apply(server);
        int done = round + 1;
        if (done % every == 0 || done == options.rounds()) {
          Scores scores = evaluation.score(model.asRetrievalModel());
          double trainLoss = lossSum / lossCount;
          points.add(new FederatedReport.Point(done, scores.test().recallAt10(), scores.test().mrrAt10(),
              scores.heldOut().recallAt10(), trainLoss));
          log.accept(String.format(Locale.ROOT, "%s: round %d, client loss %.4f, Recall@10 %.4f, MRR@10 %.4f, "
              + "held-out Recall@10 %.4f", name, done, trainLoss, scores.test().recallAt10(), scores.test().mrrAt10(),
              scores.heldOut().recallAt10()));
          lossSum = 0;
          lossCount = 0;
        }
      }
    }
    return new FederatedReport.Run(settings.kind().label(), settings.learningRate(), options.clientLearningRate(),
        settings.tau(), seed, points, finalLoss / Math.max(1, finalCount));
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

  /** {@code count} distinct clients, uniformly. */
  static List<String> sample(List<String> clients, int count, SplittableRandom random) {
    List<String> pool = new ArrayList<>(clients);
    List<String> chosen = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      chosen.add(pool.remove(random.nextInt(pool.size())));
    }
    return chosen;
  }

  /** {@code steps} batches of a client's clicks: a seeded shuffle of them, taken in turn and wrapped around. */
  static List<List<TrainingPair>> localBatches(List<TrainingPair> pairs, int steps, int batch,
      SplittableRandom random) {
    List<TrainingPair> shuffled = new ArrayList<>(pairs);
    for (int i = shuffled.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      TrainingPair t = shuffled.get(i);
      shuffled.set(i, shuffled.get(j));
      shuffled.set(j, t);
    }
    List<List<TrainingPair>> batches = new ArrayList<>(steps);
    int at = 0;
    for (int s = 0; s < steps; s++) {
      List<TrainingPair> one = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        one.add(shuffled.get(at));
        at = (at + 1) % shuffled.size();
      }
      batches.add(one);
    }
    return batches;
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
