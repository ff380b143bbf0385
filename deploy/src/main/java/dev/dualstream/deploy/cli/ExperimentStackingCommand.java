package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.StackingExperiment;
import dev.dualstream.evaluator.experiment.StackingExperimentOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream experiment stacking}. */
@Command(
    name = "stacking",
    mixinStandardHelpOptions = true,
    defaultValueProvider = ExperimentStackingCommand.Defaults.class,
    sortOptions = false,
    description = {
        "Progressive and few-shot stacking (paper 2) of the Transformer tower: on one",
        "click log (the simulator's, train split, fixed seed), an L-layer model trains",
        "on the whole stream and is checkpointed partway; from there, 2L-layer models",
        "grown by copying all its layers on top (stack-all), its top layer (stack-top)",
        "or fresh layers (random) go on over the rest of the stream; a 2L-layer model",
        "trains from scratch on all of it. Prints each run's loss and test Recall@10",
        "against steps and seconds, and the steps and seconds each needs to reach the",
        "scratch run's final loss, with and without the small model's training. The",
        "full run takes under half an hour on two cores; --quick a few minutes.",
        ""})
final class ExperimentStackingCommand implements Callable<Integer> {

  /** The full run's values, from {@link StackingExperimentOptions#defaults}. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      StackingExperimentOptions d = StackingExperimentOptions.defaults(Path.of(CommonOptions.DEFAULT_DATASET));
      return switch (option.longestName()) {
        case "--examples" -> Integer.toString(d.examples());
        case "--seed" -> Long.toString(d.seed());
        case "--eval-queries" -> Integer.toString(d.evalQueries());
        case "--layers" -> Integer.toString(d.layers());
        default -> null;
      };
    }
  }

  @Spec
  private CommandSpec spec;

  @Mixin
  private BatchJobOptions job;

  @Option(names = "--quick", description = "A run of a few minutes: 12800 examples, 1 layer grown to 2, "
      + "feed-forward width 128, 200 test queries; options given beside it still apply.")
  private boolean quick;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of the click log, the models and every random choice. Default: ${DEFAULT-VALUE}.")
  private long seed;

  @Option(names = "--layers", paramLabel = "L",
      description = "Depth of the small model; grown and scratch models have 2L. Default: ${DEFAULT-VALUE}.")
  private int layers;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = job.checked();
    return ExperimentCommand.batch(out, job.json(), () -> {
      StackingExperimentOptions base = quick ? StackingExperimentOptions.quick(dir)
          : StackingExperimentOptions.defaults(dir);
      StackingExperimentOptions options = new StackingExperimentOptions(dir,
          job.examples(base.examples()),
          job.given("--seed") ? seed : base.seed(), base.batchSize(),
          job.evalQueries(base.evalQueries()), base.points(),
          job.given("--layers") ? layers : base.layers(), base.width(), base.smallShare(),
          base.buckets(), base.heldOut());
      return StackingExperiment.run(options, ExperimentCommand.printing(out));
    });
  }
}
