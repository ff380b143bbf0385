package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.StackingExperiment;
import dev.dualstream.evaluator.experiment.StackingExperimentOptions;
import dev.dualstream.evaluator.experiment.StackingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream experiment stacking}. */
@Command(
    name = "stacking",
    mixinStandardHelpOptions = true,
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

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--quick", description = "A run of a few minutes: 12800 examples, 1 layer grown to 2, "
      + "feed-forward width 128, 200 test queries; options given beside it still apply.")
  private boolean quick;

  @Option(names = "--examples", paramLabel = "N",
      description = "Training examples from the click log, the same stream for every run. Default: 64000.")
  private Integer examples;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of the click log, the models and every random choice. Default: 42.")
  private Long seed;

  @Option(names = "--eval-queries", paramLabel = "N",
      description = "Test queries each Recall@10 is over (the first N); 0: all. Default: 500.")
  private Integer evalQueries;

  @Option(names = "--layers", paramLabel = "L",
      description = "Depth of the small model; grown and scratch models have 2L. Default: 2.")
  private Integer layers;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
  private Path json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = dataset.checked();
    PathChecks.requireParentDirectory("--json", json);
    StackingReport report;
    try {
      StackingExperimentOptions base = quick ? StackingExperimentOptions.quick(dir)
          : StackingExperimentOptions.defaults(dir);
      StackingExperimentOptions options = new StackingExperimentOptions(dir,
          examples != null ? examples : base.examples(), seed != null ? seed : base.seed(), base.batchSize(),
          evalQueries != null ? evalQueries : base.evalQueries(), base.points(),
          layers != null ? layers : base.layers(), base.width(), base.smallShare(), base.buckets(),
          base.heldOut());
      report = StackingExperiment.run(options, line -> {
        out.println(line);
        out.flush();
      });
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.println();
    report.table().forEach(out::println);
    if (json != null) {
      ExperimentSparsityCommand.write(json, report.toJson());
      out.println("wrote " + json);
    }
    out.flush();
    return 0;
  }
}
