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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federated experiment end to end on a dozen packages, and its sampling. */
class FederatedExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private FederatedExperimentOptions options(Path data) {
    return new FederatedExperimentOptions(data, 800, 42, List.of(1L, 2L), 12, new UserInterests(2, 0.1, 0.25), 4, 3,
        2, 4, 1.0, List.of(ServerOptimizer.Kind.values()), List.of(0.03), List.of(1.0), List.of(1e-3), 0, 2, 4096, null);
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
  void federatedClientsNeedTopicsOfTheirOwn() {
    assertThrows(IllegalArgumentException.class, () -> new FederatedExperimentOptions(dir, 800, 42, List.of(1L), 12,
        UserInterests.NONE, 4, 3, 2, 4, 1.0, List.of(ServerOptimizer.Kind.FEDAVG), List.of(0.03), List.of(1.0),
        List.of(1e-3), 0, 2, 4096, null));
  }
}
