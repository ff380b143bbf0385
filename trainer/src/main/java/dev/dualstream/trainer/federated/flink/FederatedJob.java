package dev.dualstream.trainer.federated.flink;

import dev.dualstream.trainer.federated.ServerOptimizer;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Federated training (FedOpt, paper 5) as a bounded Flink job in batch execution mode.
 *
 * <p>The job reads a click log's examples, each tagged with its client (the user who clicked),
 * groups them by client in parallel tasks (keyed by client, so each client's clicks meet in one
 * task, in the order of the log), and hands the clients' datasets to one task that runs the rounds
 * ({@link FederatedRounds}): each run (a server optimizer setting and a seed) samples clients per
 * round, trains each from the global model and merges their updates on the server. At each
 * evaluation point it writes the global model as a version and emits where it is; the caller
 * scores the version while training goes on.
 *
 * <p>Why the clients of a round train one after another in one task rather than as parallel tasks:
 * DJL's PyTorch engine has one gradient collector per JVM, so clients in the tasks of one process
 * would take turns on it anyway; a client on its own costs only the rows it touches (an overlay on
 * the global model, {@link dev.dualstream.trainer.model.FederatedModel}), where a task per client
 * would hold a copy of the global model each. On a cluster of several TaskManagers the rounds could
 * spread their clients over tasks, at the price of shipping the global model to each every round.
 *
 * <p>The same clicks and the same plan give the same versions, whatever the parallelism: the rounds
 * sort clients by id and each client's clicks by their place in the log.
 */
public final class FederatedJob {
  private FederatedJob() {}

  /**
   * One click of the log: its client and its featurized query and clicked document.
   *
   * @param sequence its place in the log; a client's clicks are used in this order
   */
  public record Click(String client, long sequence, int[] queryIds, int[] docIds) implements Serializable {
    public Click {
      Objects.requireNonNull(client, "client");
      Objects.requireNonNull(queryIds, "queryIds");
      Objects.requireNonNull(docIds, "docIds");
    }
  }

  /** One run: a server optimizer's setting and the seed of its initial weights, client sampling and local batches. */
  public record Run(ServerOptimizer.Settings settings, long seed) implements Serializable {
    public Run {
      Objects.requireNonNull(settings, "settings");
    }

    /** For logs: "fedadam lr 0.0316 tau 0.001 seed 1". */
    public String name() {
      return settings.kind().label() + " lr " + settings.learningRate() + " tau " + settings.tau() + " seed " + seed;
    }
  }

  /**
   * What the job trains.
   *
   * @param model the global model's configuration (clients and server share it)
   * @param runs the runs, one after another
   * @param rounds server rounds per run
   * @param clientsPerRound clients sampled per round, without repeats
   * @param localSteps SGD steps per sampled client and round
   * @param clientBatch clicks per local step
   * @param clientLearningRate the clients' SGD rate
   * @param points versions written along each run, evenly spaced, the last after the final round
   * @param versions the directory the versions go to, one subdirectory per run and point
   */
  public record Plan(ModelConfig model, List<Run> runs, int rounds, int clientsPerRound, int localSteps,
      int clientBatch, double clientLearningRate, int points, String versions) implements Serializable {
    public Plan {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(versions, "versions");
      runs = List.copyOf(runs);
      if (runs.isEmpty() || rounds < 1 || clientsPerRound < 1 || localSteps < 1 || clientBatch < 2 || points < 1) {
        throw new IllegalArgumentException("a plan needs runs, and positive rounds, clients per round, local steps "
            + "and points, and a client batch of at least 2");
      }
      if (!(clientLearningRate > 0) || Double.isInfinite(clientLearningRate)) {
        throw new IllegalArgumentException("the client learning rate must be positive, got " + clientLearningRate);
      }
    }

    /** Rounds between versions. */
    int every() {
      return Math.max(1, rounds / points);
    }
  }

  /**
   * A version written along a run.
   *
   * @param run the run's index in the plan
   * @param round rounds done
   * @param clientLoss the mean loss of the clients' local steps since the previous version
   * @param finalLoss after the last round: the mean client loss over the last tenth of the rounds (the
   *     tuning rule's training metric); NaN before
   * @param directory the version ({@code ModelStore.load} reads it); the caller may delete it
   */
  public record Version(int run, int round, double clientLoss, double finalLoss, String directory)
      implements Serializable {}

  /**
   * Runs the plan over the clicks in a Flink MiniCluster in this process, grouping clients in {@code
   * parallelism} tasks, and hands each version to {@code each} as it is written, on this thread.
   *
   * @throws IllegalArgumentException if fewer clients than a round samples have clicks
   * @throws IllegalStateException if the job fails; the message says why
   */
  public static void run(List<Click> clicks, Plan plan, int parallelism, Consumer<Version> each) {
    Objects.requireNonNull(plan, "plan");
    long clients = clicks.stream().map(Click::client).distinct().count();
    if (clients < plan.clientsPerRound()) {
      throw new IllegalArgumentException(clients + " clients have clicks, fewer than the " + plan.clientsPerRound()
          + " a round samples");
    }
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(Math.max(1, parallelism), conf);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    DataStream<ClientData> byClient = env.fromData(clicks, TypeInformation.of(Click.class)).name("clicks")
        .map(ClientData::of).returns(TypeInformation.of(ClientData.class)).name("one click per client")
        .keyBy(ClientData::client)
        .reduce(ClientData::merge).name("clicks by client");
    DataStream<Version> versions = byClient
        .transform("federated rounds", TypeInformation.of(Version.class), new FederatedRounds(plan))
        .setParallelism(1).setMaxParallelism(1);
    try (CloseableIterator<Version> it = versions.executeAndCollect("dualstream federated: " + plan.runs().size()
        + " runs of " + plan.rounds() + " rounds")) {
      it.forEachRemaining(each);
    } catch (Exception e) {
      throw new IllegalStateException("the federated job failed: " + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
