package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.SparsityExperiment;
import dev.dualstream.evaluator.experiment.SparsityExperimentOptions;
import dev.dualstream.evaluator.experiment.SparsityReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--quick", description = "A run of a few minutes: 2560 examples, widths 64, 128, 256, depths 1 "
      + "and 2, top-k 16, 200 test queries; options given beside it still apply.")
  private boolean quick;

  @Option(names = "--examples", paramLabel = "N",
      description = "Training examples from the click log, the same for every run. Default: 25600.")
  private Integer examples;

  @Option(names = "--seed", paramLabel = "N",
      description = "Seed of the click log, the models and every random choice. Default: 42.")
  private Long seed;

  @Option(names = "--eval-queries", paramLabel = "N",
      description = "Test queries each Recall@10 is over (the first N); 0: all. Default: 500.")
  private Integer evalQueries;

  @Option(names = "--widths", paramLabel = "F[,F...]", split = ",",
      description = "Feed-forward widths. Default: 256,512,1024.")
  private List<Integer> widths;

  @Option(names = "--depths", paramLabel = "L[,L...]", split = ",", description = "Depths. Default: 2,4.")
  private List<Integer> depths;

  @Option(names = "--top-k", paramLabel = "K[,K...]", split = ",",
      description = "Values of k compared with the plain model. Default: 16,64.")
  private List<Integer> topK;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
  private Path json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = dataset.checked();
    PathChecks.requireParentDirectory("--json", json);
    SparsityReport report;
    try {
      SparsityExperimentOptions base = quick ? SparsityExperimentOptions.quick(dir)
          : SparsityExperimentOptions.defaults(dir);
      SparsityExperimentOptions options = new SparsityExperimentOptions(dir,
          examples != null ? examples : base.examples(), seed != null ? seed : base.seed(), base.batchSize(),
          evalQueries != null ? evalQueries : base.evalQueries(), base.points(),
          widths != null ? widths : base.widths(), depths != null ? depths : base.depths(),
          topK != null ? topK : base.topK(), base.epochs(), base.labelNoise(), base.tokenDropout(), base.buckets());
      report = SparsityExperiment.run(options, line -> {
        out.println(line);
        out.flush();
      });
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.println();
    report.table().forEach(out::println);
    if (json != null) {
      write(json, report.toJson());
      out.println("wrote " + json);
    }
    out.flush();
    return 0;
  }

  static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
