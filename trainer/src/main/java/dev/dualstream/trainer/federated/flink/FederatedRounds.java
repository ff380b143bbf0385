package dev.dualstream.trainer.federated.flink;

import dev.dualstream.trainer.federated.FederatedServer;
import dev.dualstream.trainer.federated.ServerOptimizer;
import dev.dualstream.trainer.model.FederatedModel;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The rounds of a federated job, in one task: collects every client's clicks, and at the end of the
 * input runs the plan's runs one after another. A round samples clients without repeats (seeded by
 * the run's seed and the round), each takes {@code localSteps} steps of SGD from the global model on
 * batches of its own clicks, and the server merges their updates ({@link FederatedServer}).
 */
final class FederatedRounds extends AbstractStreamOperator<FederatedJob.Version>
    implements OneInputStreamOperator<ClientData, FederatedJob.Version>, BoundedOneInput {
  private static final long serialVersionUID = 1L;

  private final FederatedJob.Plan plan;
  private transient Map<String, List<TrainingPair>> clients;

  FederatedRounds(FederatedJob.Plan plan) {
    this.plan = plan;
  }

  @Override
  public void processElement(StreamRecord<ClientData> element) {
    if (clients == null) {
      clients = new TreeMap<>();
    }
    ClientData data = element.getValue();
    FederatedJob.Click[] clicks = data.clicks().clone();
    Arrays.sort(clicks, Comparator.comparingLong(FederatedJob.Click::sequence));
    List<TrainingPair> pairs = new ArrayList<>(clicks.length);
    for (FederatedJob.Click click : clicks) {
      pairs.add(new TrainingPair(click.queryIds(), click.docIds()));
    }
    if (clients.put(data.client(), pairs) != null) {
      throw new IllegalStateException("client " + data.client() + " arrived twice");
    }
  }

  @Override
  public void endInput() {
    Map<String, List<TrainingPair>> byClient = clients == null ? Map.of() : clients;
    List<String> ids = new ArrayList<>(byClient.keySet());
    if (ids.size() < plan.clientsPerRound()) {
      throw new IllegalArgumentException(ids.size() + " clients, fewer than the " + plan.clientsPerRound()
          + " a round samples");
    }
    for (int r = 0; r < plan.runs().size(); r++) {
      run(r, ids, byClient);
    }
  }

  private void run(int index, List<String> ids, Map<String, List<TrainingPair>> byClient) {
    FederatedJob.Run run = plan.runs().get(index);
    int every = plan.every();
    int lastTenth = plan.rounds() - Math.max(1, plan.rounds() / 10);
    double lossSum = 0;
    int lossCount = 0;
    double finalSum = 0;
    int finalCount = 0;
    long examples = 0;
    try (FederatedModel model = FederatedModel.create(plan.model(), run.seed())) {
      FederatedServer server = new FederatedServer(new ServerOptimizer(run.settings()), plan.model().embeddingDim());
      for (int round = 0; round < plan.rounds(); round++) {
        SplittableRandom random = new SplittableRandom(run.seed() * 1_000_003L + round);
        for (String client : sample(ids, plan.clientsPerRound(), random)) {
          FederatedServer.ClientUpdate update = model.train(
              localBatches(byClient.get(client), plan.localSteps(), plan.clientBatch(), random),
              plan.clientLearningRate());
          server.accept(update);
          examples += update.examples();
          lossSum += update.loss();
          lossCount++;
          if (round >= lastTenth) {
            finalSum += update.loss();
            finalCount++;
          }
        }
        model.apply(server);
        int done = round + 1;
        if (done % every == 0 || done == plan.rounds()) {
          Path dir = Path.of(plan.versions(), String.format(Locale.ROOT, "run-%03d-round-%05d", index, done));
          model.save(dir, done, examples, Map.of("federated", run.name(), "rounds", Integer.toString(done)));
          double finalLoss = done == plan.rounds() ? finalSum / Math.max(1, finalCount) : Double.NaN;
          output.collect(new StreamRecord<>(new FederatedJob.Version(index, done, lossSum / lossCount, finalLoss,
              dir.toString())));
          lossSum = 0;
          lossCount = 0;
        }
      }
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
}
