package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.FederatedExperiment;
import dev.dualstream.evaluator.experiment.FederatedExperimentOptions;
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

/** {@code dualstream experiment federated}. */
@Command(
    name = "federated",
    mixinStandardHelpOptions = true,
    defaultValueProvider = ExperimentFederatedCommand.Defaults.class,
    sortOptions = false,
    description = {
        "Federated optimization (FedOpt, paper 5) of the dual encoder over the users",
        "of a click log: simulated users with topics of their own (a Dirichlet",
        "mixture over topic clusters each) are the clients; a share of them never",
        "trains and is scored apart. Each round samples clients, each takes a few",
        "steps of SGD from the global model on its own clicks, and the server merges",
        "their updates with FedAvg, FedAvgM, FedAdagrad, FedAdam or FedYogi, each over",
        "a small grid of server learning rates, once per seed. Prints the best",
        "setting of each (lowest final training loss) with its test Recall@10, MRR@10",
        "and held-out clients' Recall@10 over the seeds, beside the central model",
        "trained on the same clicks. --quick: a few minutes.",
        ""})
final class ExperimentFederatedCommand implements Callable<Integer> {

  /** The full run's values, from {@link FederatedExperimentOptions#defaults}. */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      FederatedExperimentOptions d = FederatedExperimentOptions.defaults(Path.of(CommonOptions.DEFAULT_DATASET));
      return switch (option.longestName()) {
        case "--examples" -> Integer.toString(d.examples());
        case "--seeds" -> String.join(",", d.seeds().stream().map(Object::toString).toList());
        case "--rounds" -> Integer.toString(d.rounds());
        case "--client-lr" -> HelpLayout.number(d.clientLearningRate());
        case "--eval-queries" -> Integer.toString(d.evalQueries());
        default -> null;
      };
    }
  }

  @Spec
  private CommandSpec spec;

  @Mixin
  private BatchJobOptions job;

  @Option(names = "--quick", description = "A run of a few minutes: 10000 clicks of 200 users, 20 rounds, one seed, "
      + "one server rate per optimizer, 200 test queries; options given beside it still apply.")
  private boolean quick;

  @Option(names = "--seeds", paramLabel = "N[,N...]", split = ",",
      description = "Seeds of the runs; every setting runs once per seed. Default: ${DEFAULT-VALUE}.")
  private List<Long> seeds;

  @Option(names = "--rounds", paramLabel = "N", description = "Server rounds per run. Default: ${DEFAULT-VALUE}.")
  private int rounds;

  @Option(names = "--recording", paramLabel = "DIR",
      description = "Read the clicks from a recording of training.examples (dualstream record --topics "
          + "training.examples), the first --examples of them, instead of simulating them; a user is held out by a "
          + "seeded hash of its id. The dataset must be the one the recording's queries come from.")
  private Path recording;

  @Option(names = "--client-lr", paramLabel = "LR",
      description = "The clients' SGD learning rate, fixed for every optimizer. Default: ${DEFAULT-VALUE}.")
  private double clientLearningRate;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = job.checked();
    if (recording != null) {
      PathChecks.requireDirectory("--recording", recording);
    }
    return ExperimentCommand.batch(out, job.json(), () -> {
      FederatedExperimentOptions base = quick ? FederatedExperimentOptions.quick(dir)
          : FederatedExperimentOptions.defaults(dir);
      FederatedExperimentOptions options = new FederatedExperimentOptions(dir,
          job.examples(base.examples()), base.streamSeed(),
          job.given("--seeds") ? seeds : base.seeds(), base.users(), base.interests(),
          job.given("--rounds") ? rounds : base.rounds(), base.clientsPerRound(), base.localSteps(),
          base.clientBatch(), job.given("--client-lr") ? clientLearningRate : base.clientLearningRate(),
          base.optimizers(), base.adaptiveRates(), base.averagingRates(), base.taus(),
          job.evalQueries(base.evalQueries()), base.points(), base.buckets(), recording);
      return FederatedExperiment.run(options, ExperimentCommand.printing(out));
    });
  }
}
