package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.BatchReport;
import dev.dualstream.evaluator.experiment.DistillExperiment;
import dev.dualstream.evaluator.experiment.DistillExperimentOptions;
import dev.dualstream.evaluator.experiment.ExperimentOutcome;
import dev.dualstream.evaluator.experiment.ExperimentSetting;
import dev.dualstream.evaluator.experiment.LearningCurves;
import dev.dualstream.evaluator.experiment.NegativesExperiment;
import dev.dualstream.evaluator.experiment.NegativesExperimentOptions;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream experiment}: research experiments on real data, one subcommand each. */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {"Research experiments on real data; each prints a table and can write JSON.", ""},
    subcommands = {ExperimentCommand.Negatives.class, ExperimentCommand.Distill.class, ExperimentSparsityCommand.class,
        ExperimentStackingCommand.class, ExperimentFederatedCommand.class,
        CommandLine.HelpCommand.class})
final class ExperimentCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /**
   * Runs an experiment, then prints its table and writes its JSON if asked; what the experiment refuses
   * (a dataset without the splits it needs, a click log too short) is a one-line error.
   */
  static int report(PrintWriter out, Path json, ExperimentReportOptions report,
      Function<LearningCurves, ? extends ExperimentOutcome> run) {
    LearningCurves curves = report.curves();
    ExperimentOutcome outcome;
    try {
      outcome = run.apply(curves);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.println();
    out.print(outcome.table());
    if (json != null) {
      outcome.writeJson(json);
      out.println("wrote " + json);
    }
    if (report.dir != null) {
      outcome.page(curves.points()).write(report.dir);
      out.println("wrote the report into " + report.dir + " (index.html, summary.md, report.json, runs/)");
    }
    out.flush();
    return 0;
  }

  /**
   * Runs a batch job on the Transformer tower, then prints its table and writes its JSON if asked;
   * what the job refuses (impossible options, a click log too short) is a one-line error.
   */
  static int batch(PrintWriter out, Path json, Supplier<? extends BatchReport> run) {
    BatchReport report;
    try {
      report = run.get();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.println();
    report.table().forEach(out::println);
    if (json != null) {
      try {
        Files.writeString(json, report.toJson());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + json, e);
      }
      out.println("wrote " + json);
    }
    out.flush();
    return 0;
  }

  /** A progress log that prints each line as it comes. */
  static Consumer<String> printing(PrintWriter out) {
    return line -> {
      out.println(line);
      out.flush();
    };
  }

  /** {@code dualstream experiment negatives}. */
  @Command(
      name = "negatives",
      mixinStandardHelpOptions = true,
      defaultValueProvider = Negatives.Defaults.class,
      sortOptions = false,
      description = "Trains the default dual encoder from one example stream (the click simulator's log on the "
          + "train split, fixed seed, joined in memory) under each way of choosing negatives, and reports test-split "
          + "Recall@10 and MRR@10 over the whole corpus, training time and time per step. Standard settings, in "
          + "order: in-batch (batch 32); the negative cache alone (Lindgren et al., NeurIPS 2021) with M = 4096, "
          + "16384, 65536; the cache with top-k 64; the cache without writing back drawn entries; softmax over the "
          + "whole corpus, re-encoded every few hundred steps and written back with drawn negatives and positives in "
          + "between (the ceiling: a cache holding every document). Every cache setting also re-encodes its M/16 "
          + "oldest entries per step. Every setting sees the same examples in the same order. --list names the "
          + "settings, including extra combinations. The optimizer options (--table-optimizer, --learning-rate, ...) "
          + "change the model every setting trains; the report names them.%n")
  static final class Negatives implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** The run's defaults, from {@link NegativesExperimentOptions#defaults}. */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
      @Override
      public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
          return null;
        }
        NegativesExperimentOptions d = NegativesExperimentOptions.defaults(Path.of(CommonOptions.DEFAULT_DATASET));
        return switch (option.longestName()) {
          case "--examples" -> Integer.toString(d.examples());
          case "--eval-queries" -> Integer.toString(d.evalQueries());
          case "--batch-size" -> Integer.toString(d.batchSize());
          case "--ablation-cache-size" -> Integer.toString(d.ablationCacheSize());
          case "--corpus-refresh-steps" -> Integer.toString(d.corpusRefreshSteps());
          case "--clicked-memory" -> Integer.toString(d.model().negatives().clickedMemory());
          case "--noise-clicks" -> HelpLayout.number(d.noiseClicks());
          case "--query-zipf" -> HelpLayout.number(d.queryZipf());
          case "--explore" -> HelpLayout.number(d.explore());
          default -> null;
        };
      }
    }

    @Mixin
    private CommonOptions.Dataset dataset;

    @Option(names = "--examples", paramLabel = "N",
        description = "Training examples from the click log, the same for every setting. Default: ${DEFAULT-VALUE}.")
    private int examples;

    @Option(names = "--eval-queries", paramLabel = "N",
        description = "Evaluate on the first N test queries; 0 means all. Default: ${DEFAULT-VALUE}.")
    private int evalQueries;

    @Mixin
    private CommonOptions.Seed seed;

    @Option(names = "--batch-size", paramLabel = "N",
        description = "Training pairs per step. Default: ${DEFAULT-VALUE}.")
    private int batchSize;

    @Option(names = "--settings", paramLabel = "NAME[,NAME...]", split = ",",
        description = "Run only these settings, in this order (see --list). Default: the standard ones.")
    private List<String> settings = new ArrayList<>();

    @Option(names = "--ablation-cache-size", paramLabel = "M",
        description = "Cache size of the top-k and no-writeback settings. Default: ${DEFAULT-VALUE}.")
    private int ablationCacheSize;

    @Option(names = "--corpus-refresh-steps", paramLabel = "N",
        description = "Steps between corpus re-encodings in the full-softmax setting. Default: ${DEFAULT-VALUE}.")
    private int corpusRefreshSteps;

    @Option(names = "--table-optimizer", paramLabel = "KIND",
        description = "Lazy optimizer of the embedding table rows: ${COMPLETION-CANDIDATES}. ADAM: moments and "
            + "bias correction per row; ADAGRAD: a row's steps shrink with its accumulated squared gradients. "
            + "Default: the model's (ADAGRAD).")
    private TableOptimizer.Kind tableOptimizer;

    @Option(names = "--learning-rate", paramLabel = "LR",
        description = "Step size of the dense layers and of the table alike. Default: the model's (dense 1e-3, "
            + "table 0.1).")
    private Double learningRate;

    @Option(names = "--embedding-learning-rate", paramLabel = "LR",
        description = "Step size of the table rows alone (after --learning-rate). Default: --learning-rate if "
            + "given, else the table optimizer's own (Adagrad 0.1, Adam 1e-3).")
    private Double embeddingLearningRate;

    @Option(names = "--adagrad-initial-accumulator", paramLabel = "X",
        description = "Value each of Adagrad's accumulated squared gradients starts from (ADAGRAD only); "
            + "larger values damp the first steps. Default: the model's (0).")
    private Double adagradInitialAccumulator;

    @Option(names = "--init-scale", paramLabel = "S",
        description = "Table rows start uniform in [-S, S]. Default: the model's (0.02).")
    private Double initScale;

    @Option(names = "--loss", paramLabel = "KIND",
        description = "Loss over each query's candidates: ${COMPLETION-CANDIDATES}. SOFTMAX: cross-entropy; PHUBER: "
            + "partially Huberised cross-entropy (Menon et al., ICLR 2020), linear below a positive probability of "
            + "1/tau, so a click on a wrong result pulls less. Default: the model's (SOFTMAX).")
    private LossConfig.Kind loss;

    @Option(names = "--phuber-tau", paramLabel = "TAU",
        description = "PHuber threshold tau > 1 (with --loss PHUBER). Default: the model's (10).")
    private Double phuberTau;

    @Option(names = "--label-bias", paramLabel = "TAU",
        description = "Every candidate's logit gains TAU x log(popularity) of its document (Rawat et al., ICML "
            + "2021): 0 favours the head, 1 balances it. Default: the model's (0).")
    private Double labelBias;

    @Option(names = "--clicked-memory", paramLabel = "N",
        description = "Remember the documents the users of up to N queries clicked (the newest 4 per query) and "
            + "never draw them as negatives of those queries, from any source; 0: off (every setting then "
            + "leaves out only the query's own positive). Default: ${DEFAULT-VALUE}.")
    private int clickedMemory;

    @Option(names = "--noise-clicks", paramLabel = "P",
        description = "Chance that a simulated user clicks an examined result that is not relevant (a wrong "
            + "label); at the default about one click in ten is one. Default: ${DEFAULT-VALUE}.")
    private double noiseClicks;

    @Option(names = "--query-zipf", paramLabel = "S",
        description = "Zipf exponent of the simulated users' query popularity (as simulate's); 0 draws every train "
            + "query equally often. Default: ${DEFAULT-VALUE}.")
    private double queryZipf;

    @Option(names = "--explore", paramLabel = "P",
        description = "Share of the simulated searches (0 to 1) that show a Plackett-Luce sample of BM25's top "
            + "candidates instead of its top 10, as `simulate` explores; each click then carries the policy's "
            + "probability of showing it there (see --ips-clip). Default: ${DEFAULT-VALUE}.")
    private double explore;

    @Mixin
    private ReplayOptions replay;

    @Mixin
    private WeightingOptions weighting;

    @Option(names = "--hybrid", description = "Also score every setting's model fused with BM25, as `up` serves and "
        + "`evaluate` scores it (the fusion chosen on the dev split); adds half a minute or so per setting.")
    private boolean hybrid;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    private Path json;

    @Mixin
    private ExperimentReportOptions reportOptions;

    @Option(names = "--list", description = "List the settings one can name, then exit.")
    private boolean list;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (list) {
        printSettings(out);
        return 0;
      }
      dataset.checked();
      PathChecks.requireParentDirectory("--json", json);
      NegativesExperimentOptions options;
      try {
        options = new NegativesExperimentOptions(dataset.dir, examples, evalQueries, seed.value, batchSize, settings,
            ablationCacheSize, corpusRefreshSteps, model(), noiseClicks, queryZipf, explore,
            replay.settings(), hybrid);
        ExperimentSetting.select(options.settings(), ablationCacheSize, corpusRefreshSteps);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      NegativesExperimentOptions chosen = options;
      return report(out, json, reportOptions, curves -> NegativesExperiment.run(chosen, out::println, curves));
    }

    /** The default model with the optimizer and initialisation options applied; validates them. */
    private ModelConfig model() {
      ModelConfig.Builder b = ModelConfig.defaults().toBuilder();
      if (tableOptimizer != null) {
        b.tableOptimizerWithItsLearningRate(tableOptimizer);
      }
      if (learningRate != null) {
        b.learningRate(learningRate);
      }
      if (embeddingLearningRate != null) {
        b.embeddingLearningRate(embeddingLearningRate);
      }
      if (adagradInitialAccumulator != null) {
        b.adagradInitialAccumulator(adagradInitialAccumulator);
      }
      if (initScale != null) {
        b.embeddingInitScale(initScale);
      }
      LossConfig lossConfig = ModelConfig.defaults().loss();
      if (phuberTau != null) {
        lossConfig = new LossConfig(lossConfig.kind(), phuberTau, lossConfig.labelBiasTau());
      }
      if (loss != null) {
        lossConfig = new LossConfig(loss, lossConfig.phuberTau(), lossConfig.labelBiasTau());
      }
      if (labelBias != null) {
        lossConfig = lossConfig.withLabelBias(labelBias);
      }
      b.loss(weighting.applyTo(lossConfig));
      b.negatives(ModelConfig.defaults().negatives().withClickedMemory(clickedMemory));
      return b.build();
    }

    private void printSettings(PrintWriter out) {
      List<ExperimentSetting> all = new ArrayList<>(ExperimentSetting.standard(ablationCacheSize, corpusRefreshSteps));
      all.addAll(ExperimentSetting.extras(ablationCacheSize));
      for (ExperimentSetting s : all) {
        out.printf("%-36s %s%n", s.name(), s.negatives().label());
      }
      out.printf("%-36s %s%n", "cache-M[-topK][-oldestR]",
          "any cache (add in-batch+ in front for in-batch too): size M, top-k K, R oldest re-encoded per step");
      out.printf("%-36s %s%n", "SETTING" + ExperimentSetting.SKIP_ABOVE_SUFFIX, "any setting above plus the "
          + ExperimentSetting.SKIP_ABOVE_DOCUMENTS + " results shown nearest above the click and not clicked");
    }
  }

  /** {@code dualstream experiment distill}. */
  @Command(
      name = "distill",
      mixinStandardHelpOptions = true,
      defaultValueProvider = Distill.Defaults.class,
      sortOptions = false,
      description = "Trains, from one example stream (the click simulator's log on the train split at the loop's "
          + "traffic, fixed seed), a teacher (twice the default model's dims, with the loop's negatives: the cache "
          + "and skip-above documents), a joint teacher on top of it (an MLP over both embeddings, their product and "
          + "the texts' exact matches; evaluated by re-ranking the teacher's top 100) and, beside them in the same "
          + "steps, students a quarter of the teacher's size under each loss: clicks alone; KL at temperature T "
          + "(Hinton; Menon et al., ICML 2021); Margin-MSE against the teacher's hardest negative; the multi-margin "
          + "form as a sum over negatives and against their log-sum-exp (paper 3); Coupled-RankDistil (Reddi et al., "
          + "AISTATS 2021); KL mixed with clicks; and, from the joint teacher, Margin-MSE and KL mixed with clicks. "
          + "The default dual encoder trains on the same batches as the reference the teacher must beat. Each "
          + "setting trains once per seed; temperatures and click weights are chosen on the dev split by mean "
          + "MRR@10, and the test split's Recall@10, MRR@10 and nDCG@10 over the whole corpus are reported as mean "
          + "and standard error over the seeds, with the teacher's log-loss and calibration error. The full run "
          + "takes under an hour on two cores; --quick a few minutes.%n")
  static final class Distill implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** The run's defaults, from {@link DistillExperimentOptions#defaults}. */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
      @Override
      public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
          return null;
        }
        DistillExperimentOptions d = DistillExperimentOptions.defaults(Path.of(CommonOptions.DEFAULT_DATASET));
        return switch (option.longestName()) {
          case "--examples" -> Integer.toString(d.examples());
          case "--eval-queries" -> Integer.toString(d.evalQueries());
          case "--seeds" -> join(d.seeds());
          case "--temperatures" -> join(d.temperatures().stream().map(HelpLayout::number).toList());
          case "--click-weights" -> join(d.clickWeights().stream().map(HelpLayout::number).toList());
          case "--rankdistil-top-k" -> Integer.toString(d.rankDistilTopK());
          case "--rankdistil-samples" -> Integer.toString(d.rankDistilSamples());
          default -> null;
        };
      }

      private static String join(List<?> values) {
        return String.join(",", values.stream().map(Object::toString).toList());
      }
    }

    @Mixin
    private CommonOptions.Dataset dataset;

    @Option(names = "--quick", description = "A run of a few minutes: 6400 examples, seed 42 alone, 500 dev and test "
        + "queries, temperature 4 and click weight 0.5; options given beside it still apply.")
    private boolean quick;

    @Option(names = "--examples", paramLabel = "N",
        description = "Training examples from the click log, the same for every model. Default: ${DEFAULT-VALUE}.")
    private int examples;

    @Option(names = "--eval-queries", paramLabel = "N",
        description = "Evaluate on the first N dev and test queries; 0 means all. Default: ${DEFAULT-VALUE}.")
    private int evalQueries;

    @Option(names = "--seeds", paramLabel = "N[,N...]", split = ",",
        description = "The models' seeds; every setting trains once per seed (the example stream stays that of "
            + "the first default seed). Default: ${DEFAULT-VALUE}.")
    private List<Long> seeds;

    @Option(names = "--temperatures", paramLabel = "T[,T...]", split = ",",
        description = "Temperatures tried for KL, RankDistil and the mix. Default: ${DEFAULT-VALUE}.")
    private List<Double> temperatures;

    @Option(names = "--click-weights", paramLabel = "C[,C...]", split = ",",
        description = "Click weights tried for the mix of KL with clicks, each strictly between 0 and 1. "
            + "Default: ${DEFAULT-VALUE}.")
    private List<Double> clickWeights;

    @Option(names = "--rankdistil-top-k", paramLabel = "K",
        description = "The teacher's top positions RankDistil matches; 0: the whole list. Default: ${DEFAULT-VALUE}.")
    private int rankDistilTopK;

    @Option(names = "--rankdistil-samples", paramLabel = "M",
        description = "Teacher orders RankDistil draws per query. Default: ${DEFAULT-VALUE}.")
    private int rankDistilSamples;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    private Path json;

    @Mixin
    private ExperimentReportOptions reportOptions;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      dataset.checked();
      PathChecks.requireParentDirectory("--json", json);
      DistillExperimentOptions options;
      try {
        options = options();
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      DistillExperimentOptions chosen = options;
      return report(out, json, reportOptions, curves -> DistillExperiment.run(chosen, out::println, curves));
    }

    /** The quick or the full run, with every option the user gave applied over it. */
    private DistillExperimentOptions options() {
      DistillExperimentOptions base = quick ? DistillExperimentOptions.quick(dataset.dir)
          : DistillExperimentOptions.defaults(dataset.dir);
      CommandLine.ParseResult given = spec.commandLine().getParseResult();
      return new DistillExperimentOptions(dataset.dir,
          given.hasMatchedOption("--examples") ? examples : base.examples(),
          given.hasMatchedOption("--eval-queries") ? evalQueries : base.evalQueries(), base.streamSeed(),
          given.hasMatchedOption("--seeds") ? seeds : base.seeds(), base.batchSize(), base.queryZipf(), base.reference(),
          base.teacher(),
          base.student(), given.hasMatchedOption("--temperatures") ? temperatures : base.temperatures(),
          given.hasMatchedOption("--click-weights") ? clickWeights : base.clickWeights(),
          given.hasMatchedOption("--rankdistil-top-k") ? rankDistilTopK : base.rankDistilTopK(),
          given.hasMatchedOption("--rankdistil-samples") ? rankDistilSamples : base.rankDistilSamples());
    }
  }
}
