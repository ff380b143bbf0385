package dev.dualstream.deploy.cli;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.follow.ServingRanker;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.Exploration;
import dev.dualstream.evaluator.simulate.KafkaEventSink;
import dev.dualstream.evaluator.simulate.LiveSchedule;
import dev.dualstream.evaluator.simulate.Ranker;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.evaluator.simulate.UserInterests;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream simulate}: users searching a dataset's corpus, live, into a running Kafka. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    defaultValueProvider = SimulateCommand.Defaults.class,
    sortOptions = false,
    description = {
        "Simulates users searching a BEIR corpus at a live rate and publishes what a",
        "search service logs: the corpus to corpus.documents (unless --skip-corpus),",
        "then searches to search.impressions and clicks to search.clicks, each",
        "stamped with the wall clock when it happens",
        "(a click 2 to 13 s after its search). Queries come from a qrels split with",
        "Zipf popularity; a user searches several times per session; documents can",
        "get new versions as it runs. Runs until Ctrl-C or --duration; the same",
        "--seed gives the same searches and clicks, only their times differ (and",
        "the rankings, as models arrive).",
        "",
        "The search service ranks with the hybrid of the newest committed version of",
        "--model (models.versions, read_committed) and BM25, BM25 alone until a",
        "version arrives: each new version is loaded and its corpus embedded beside",
        "the one serving, then swapped in. --explore of the searches show a ranking",
        "sampled from the hybrid's top candidates (Plackett-Luce); every shown result",
        "records the probability that the policy shows it there.",
        ""})
final class SimulateCommand implements Callable<Integer> {
  /** Dev queries that choose each served version's hybrid weight: enough for a stable choice, in seconds. */
  static final int TUNING_QUERIES = 1000;

  @Spec
  private CommandSpec spec;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--split", paramLabel = "NAME",
      description = "The qrels split whose queries users search. Default: ${DEFAULT-VALUE}.")
  private String split;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "50",
      description = "Searches per second (about 0.7 clicks each). Default: ${DEFAULT-VALUE}.")
  private double rate;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Option(names = "--query-zipf", paramLabel = "S",
      description = "Zipf exponent of query popularity; 0 makes every query equally likely. At 1 the 100 most "
          + "popular of debian-pkgdesc's 26,000 train queries take half the searches, and a model trained on "
          + "36,000 clicks reaches Recall@10 0.474 where at 0.5 it reaches 0.579 (experiment negatives "
          + "--query-zipf). Default: ${DEFAULT-VALUE}.")
  private double queryZipf;

  @Option(names = "--session-length", paramLabel = "N",
      description = "Mean searches per session (one user each). Default: ${DEFAULT-VALUE}.")
  private double sessionLength;

  @Option(names = "--document-updates", paramLabel = "P",
      description = "New document versions per search (0 to 1): a random document gets its text revised. "
          + "Default: ${DEFAULT-VALUE} (the corpus stays the dataset's).")
  private double documentUpdates;

  @Option(names = "--user-interests", paramLabel = "SPEC", defaultValue = "off",
      description = "Whether users have topics of their own: " + UserInterests.SYNTAX + ". clusters=C groups the "
          + "split's queries into C topics (k-means over their words and their relevant document's), each user "
          + "draws a mixture over them from a Dirichlet(alpha, default 0.1: a few topics each) and searches by "
          + "it; heldout=H (default 0.1) gives that share of users queries no other user issues. off: a search's "
          + "user is independent of its query. Default: ${DEFAULT-VALUE}.")
  private String userInterests;

  @Option(names = "--ranker", paramLabel = "KIND", defaultValue = "hybrid",
      description = "What ranks the results: hybrid (the newest version of --model fused with BM25) or bm25. "
          + "Default: ${DEFAULT-VALUE}.")
  private String ranker;

  @Option(names = "--model", paramLabel = "NAME", defaultValue = ModelConfig.DEFAULT_MODEL_NAME,
      description = "The model whose versions the hybrid ranker serves. Default: ${DEFAULT-VALUE}.")
  private String model;

  @Option(names = "--explore", paramLabel = "P",
      description = "Share of searches (0 to 1) that show a ranking sampled from the ranker's top "
          + "--explore-candidates by Plackett-Luce instead of its top 10. Default: ${DEFAULT-VALUE}.")
  private double explore;

  @Option(names = "--explore-temperature", paramLabel = "T",
      description = "Plackett-Luce temperature over the candidates' scores, min-max normalised; lower stays "
          + "closer to the ranking. Default: ${DEFAULT-VALUE}.")
  private double exploreTemperature;

  @Option(names = "--explore-candidates", paramLabel = "N",
      description = "Candidates an exploring search samples its 10 results from. Default: ${DEFAULT-VALUE}.")
  private int exploreCandidates;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "" + MetricsEndpoint.SIMULATE_PORT,
      description = LiveOptions.METRICS_PORT_HELP)
  private int metricsPort;

  @Option(names = "--skip-corpus",
      description = "Do not publish the corpus first (the topic has it from an earlier run).")
  private boolean skipCorpus;

  @Mixin
  private CommonOptions.Seed seed;

  @Mixin
  private LiveOptions.Progress progress;

  @Override
  public Integer call() throws InterruptedException {
    KafkaConnection connection = kafka.connection();
    runFor.check();
    progress.check();
    requireIn("--rate", rate, Double.MIN_VALUE, 1_000_000);
    requireIn("--query-zipf", queryZipf, 0, 10);
    requireIn("--session-length", sessionLength, 1, 1_000);
    requireIn("--document-updates", documentUpdates, 0, 1);
    dataset.checked();
    if (!ranker.equals("hybrid") && !ranker.equals("bm25")) {
      throw new UserError("--ranker must be hybrid or bm25, got '" + ranker + "'");
    }
    LiveSchedule schedule;
    SimulationConfig config;
    try {
      schedule = new LiveSchedule(rate, runFor.duration, !skipCorpus);
      config = SimulationConfig.defaults(seed.value, Long.MAX_VALUE).withSplit(split).withProgressEvery(1)
          .withTraffic(new Traffic(queryZipf, sessionLength, documentUpdates, UserInterests.parse(userInterests)))
          .withExploration(new Exploration(explore, exploreTemperature, exploreCandidates));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    Duration progressEvery = progress.every;
    PrintWriter out = spec.commandLine().getOut();
    BeirDataset data = BeirReader.read(dataset.dir);
    out.printf("simulate: %s (%,d documents, split %s) to %s at %s searches/s; %s%n", data.name(), data.corpus().size(),
        split, connection, rate, runFor.stops());
    long[] nextLine = {System.nanoTime() + progressEvery.toNanos()};
    AtomicReference<ServingRanker> serving = new AtomicReference<>();
    Function<Bm25Index, Ranker> rankers = ranker.equals("bm25") ? Ranker::bm25
        : bm25 -> {
          ServingRanker r = ServingRanker.start(data, bm25, new ServingRanker.Settings(connection, model,
              TUNING_QUERIES), line -> out.println("simulate: " + line));
          serving.set(r);
          return r;
        };
    AtomicReference<SimulationResult> soFarNow = new AtomicReference<>(new SimulationResult(0, 0, 0));
    Optional<MetricsEndpoint> metrics = LiveOptions.metrics(metricsPort);
    metrics.ifPresent(m -> m
        .counter("dualstream_simulator_searches", "Searches (impressions) published.", () -> soFarNow.get().impressions())
        .counter("dualstream_simulator_clicks", "Clicks published.", () -> soFarNow.get().clicks())
        .counter("dualstream_simulator_documents", "Document versions published.", () -> soFarNow.get().documents())
        .gauge("dualstream_simulator_serving_version", "Version of --model serving; 0: BM25 alone.",
            () -> serving.get() == null ? 0 : serving.get().servingVersion())
        .gauge("dualstream_simulator_swap_seconds", "How long the last swap of versions took on the search thread.",
            () -> serving.get() == null ? 0 : serving.get().lastSwapSeconds())
        .gauge("dualstream_simulator_prepare_seconds", "How long the last version took to load, embed and tune.",
            () -> serving.get() == null ? 0 : serving.get().lastPrepareSeconds()));
    try (GracefulStop stop = GracefulStop.install("simulate", Duration.ofSeconds(15), () -> { });
        ClickSimulator simulator = ClickSimulator.create(data, config, rankers);
        KafkaEventSink sink = KafkaEventSink.connect(connection)) {
      SimulationResult result = simulator.runLive(sink, schedule, soFar -> {
        soFarNow.set(soFar);
        if (System.nanoTime() >= nextLine[0]) {
          nextLine[0] += progressEvery.toNanos();
          out.printf("simulate: %,d searches, %,d clicks, %,d documents%n", soFar.impressions(), soFar.clicks(),
              soFar.documents());
        }
      }, stop::requested);
      out.printf("simulate: stopped; %,d searches, %,d clicks, %,d documents published%n", result.impressions(),
          result.clicks(), result.documents());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    } finally {
      metrics.ifPresent(MetricsEndpoint::close);
    }
    return 0;
  }

  private static void requireIn(String option, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new UserError(option + " must be " + (min == Double.MIN_VALUE ? "above 0" : "at least " + min)
          + " and at most " + max + ", got " + value);
    }
  }

  /** The defaults of the options that shape the traffic: {@link Traffic#LIVE}, {@link Exploration#LIVE}. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      return switch (option.longestName()) {
        case "--split" -> SimulationConfig.defaults(0, 1).split();
        case "--query-zipf" -> HelpLayout.number(Traffic.LIVE.queryZipf());
        case "--session-length" -> HelpLayout.number(Traffic.LIVE.meanSessionLength());
        case "--document-updates" -> HelpLayout.number(Traffic.LIVE.documentUpdatesPerSearch());
        case "--explore" -> HelpLayout.number(Exploration.LIVE.share());
        case "--explore-temperature" -> HelpLayout.number(Exploration.LIVE.temperature());
        case "--explore-candidates" -> Integer.toString(Exploration.LIVE.candidates());
        default -> null;
      };
    }
  }
}
