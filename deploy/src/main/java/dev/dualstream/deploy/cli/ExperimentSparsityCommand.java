package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.SparsityExperiment;
import dev.dualstream.evaluator.experiment.SparsityExperimentOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream experiment sparsity}. */
@Command(
    name = "sparsity",
    mixinStandardHelpOptions = true,
    defaultValueProvider = ExperimentSparsityCommand.Defaults.class,
    sortOptions = false,
    description = {
        "The lazy neuron phenomenon (Li et al., ICLR 2023) in the Transformer tower:",
        "trains it from scratch on one click log (the simulator's, on the train split,",
        "fixed seed) and, at evenly spaced steps, measures the share of nonzero",
        "feed-forward activations of each block over a probe of test queries and their",
        "relevant documents, and test Recall@10 over the whole corpus. Runs every",
        "feed-forward width at every depth; at the middle width and first depth, random",
        "labels (each query paired with another example's click) and repeated examples",
        "(a share of the log, passed over several times); and Top-k thresholding",
        "(each token keeps its k largest activations) against the plain model on",
        "Recall@10, calibration error, Recall@10 with a quarter of each query's words",
        "dropped, and Recall@10 after training with 30% of clicks replaced. The full",
        "run takes under an hour on two cores; --quick a few minutes.",
        ""})
final class ExperimentSparsityCommand implements Callable<Integer> {

  /** The full run's values, from {@link SparsityExperimentOptions#defaults}. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      SparsityExperimentOptions d = SparsityExperimentOptions.defaults(Path.of(CommonOptions.DEFAULT_DATASET));
      return switch (option.longestName()) {
        case "--examples" -> Integer.toString(d.examples());
        case "--seed" -> Long.toString(d.seed());
        case "--eval-queries" -> Integer.toString(d.evalQueries());
        case "--widths" -> join(d.widths());
        case "--depths" -> join(d.depths());
        case "--top-k" -> join(d.topK());
        default -> null;
      };
    }

    private static String join(List<Integer> values) {
      return String.join(",", values.stream().map(Object::toString).toList());
    }
  }

  @Spec
  private CommandSpec spec;

  @Mixin
  private BatchJobOptions job;

  @Option(names = "--quick", description = "A run of a few minutes: 2560 examples, widths 64, 128, 256, depths 1 "
      + "and 2, top-k 16, 200 test queries; options given beside it still apply.")
  private boolean quick;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of the click log, the models and every random choice. Default: ${DEFAULT-VALUE}.")
  private long seed;

  @Option(names = "--widths", paramLabel = "F[,F...]", split = ",",
      description = "Feed-forward widths. Default: ${DEFAULT-VALUE}.")
  private List<Integer> widths;

  @Option(names = "--depths", paramLabel = "L[,L...]", split = ",", description = "Depths. Default: ${DEFAULT-VALUE}.")
  private List<Integer> depths;

  @Option(names = "--top-k", paramLabel = "K[,K...]", split = ",",
      description = "Values of k compared with the plain model. Default: ${DEFAULT-VALUE}.")
  private List<Integer> topK;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = job.checked();
    return ExperimentCommand.batch(out, job.json(), () -> {
      SparsityExperimentOptions base = quick ? SparsityExperimentOptions.quick(dir)
          : SparsityExperimentOptions.defaults(dir);
      SparsityExperimentOptions options = new SparsityExperimentOptions(dir,
          job.examples(base.examples()),
          job.given("--seed") ? seed : base.seed(), base.batchSize(),
          job.evalQueries(base.evalQueries()), base.points(),
          job.given("--widths") ? widths : base.widths(),
          job.given("--depths") ? depths : base.depths(),
          job.given("--top-k") ? topK : base.topK(), base.epochs(), base.labelNoise(),
          base.tokenDropout(), base.buckets(), base.heldOut());
      return SparsityExperiment.run(options, ExperimentCommand.printing(out));
    });
  }
}
