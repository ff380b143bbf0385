package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.simulate.UserInterests;
import dev.dualstream.trainer.federated.ServerOptimizer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federated experiment end to end on a dozen packages, and its sampling. */
class FederatedExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private FederatedExperimentOptions options(Path data) {
    return new FederatedExperimentOptions(data, 800, 42, List.of(1L, 2L), 12, new UserInterests(2, 0.1, 0.25), 4, 3,
        2, 4, 1.0, List.of(ServerOptimizer.Kind.values()), List.of(0.03), List.of(1.0), List.of(1e-3), 0, 2, 4096);
  }

  @Test
  void everyOptimizerRunsPerSeedAndTheSameSeedsGiveTheSameReport() throws Exception {
    Path data = DistillExperimentTest.writeBeir(dir.resolve("tiny"));
    FederatedReport report = FederatedExperiment.run(options(data), line -> { });

    assertEquals(10, report.runs().size());
    assertEquals(List.of("fedavg", "fedavgm", "fedadagrad", "fedadam", "fedyogi"),
        report.best().stream().map(FederatedReport.Best::optimizer).toList());
    for (FederatedReport.Run run : report.runs()) {
      assertEquals(List.of(2, 4), run.points().stream().map(FederatedReport.Point::round).toList());
      run.points().forEach(p -> assertTrue(p.recallAt10() >= 0 && p.recallAt10() <= 1 && p.heldOutRecallAt10() >= 0
          && p.trainLoss() > 0, p.toString()));
    }
    assertTrue(report.heldOutClients() > 0 && report.heldOutQueries() > 0, "held-out users searched");
    assertTrue(report.clients() + report.heldOutClients() <= 12);
    assertTrue(report.clientDistribution().mainTopicShare() > 0.5,
        "clients keep to their topics: " + report.clientDistribution().mainTopicShare());

    JsonNode json = JSON.readTree(report.toJson());
    for (String key : List.of("clients", "rounds", "runs", "central")) {
      assertTrue(json.has(key), key);
    }
    JsonNode run = json.get("runs").get(0);
    for (String key : List.of("optimizer", "server_lr", "client_lr", "tau", "seed", "points")) {
      assertTrue(run.has(key), key);
    }
    for (String key : List.of("round", "recall@10", "mrr@10", "heldout_recall@10")) {
      assertTrue(run.get("points").get(0).has(key), key);
    }
    assertTrue(json.get("central").has("recall@10") && json.get("central").has("mrr@10"));
    assertEquals(report.toJson(), FederatedExperiment.run(options(data), line -> { }).toJson(),
        "the same seeds give the same report");
  }

  @Test
  void clientsAreSampledWithoutRepeatsAndLocalBatchesWrapAround() {
    List<String> clients = List.of("a", "b", "c", "d", "e");
    List<String> chosen = FederatedExperiment.sample(clients, 5, new SplittableRandom(1));
    assertEquals(5, chosen.stream().distinct().count());
    // Two of five, 20,000 times: each client is drawn 8,000 times in expectation; a chi-square of the
    // counts with 4 degrees of freedom stays under 18.5 (p = 0.001) when the draw is uniform.
    SplittableRandom random = new SplittableRandom(7);
    java.util.Map<String, Integer> counts = new java.util.HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      List<String> two = FederatedExperiment.sample(clients, 2, random);
      assertEquals(2, two.stream().distinct().count());
      two.forEach(c -> counts.merge(c, 1, Integer::sum));
    }
    double chiSquare = counts.values().stream().mapToDouble(c -> (c - 8000.0) * (c - 8000.0) / 8000.0).sum();
    assertTrue(chiSquare < 18.5, "chi-square " + chiSquare + " of " + counts);
    var pairs = List.of(new dev.dualstream.trainer.model.TrainingPair(new int[] {1}, new int[] {2}),
        new dev.dualstream.trainer.model.TrainingPair(new int[] {3}, new int[] {4}),
        new dev.dualstream.trainer.model.TrainingPair(new int[] {5}, new int[] {6}));
    var batches = FederatedExperiment.localBatches(pairs, 2, 2, new SplittableRandom(2));
    assertEquals(2, batches.size());
    assertEquals(3, batches.stream().flatMap(List::stream).distinct().count(), "every click before any repeats");
    assertThrows(IllegalArgumentException.class, () -> new FederatedExperimentOptions(dir, 800, 42, List.of(1L), 12,
        UserInterests.NONE, 4, 3, 2, 4, 1.0, List.of(ServerOptimizer.Kind.FEDAVG), List.of(0.03), List.of(1.0),
        List.of(1e-3), 0, 2, 4096));
  }
}
