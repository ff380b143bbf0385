package dev.dualstream.trainer.federated.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.federated.ServerOptimizer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federated Flink job in a MiniCluster, in batch execution mode, and its client sampling. */
class FederatedJobTest {
  private static final ModelConfig TINY = ModelConfig.defaults().toBuilder().modelName("tiny-federated")
      .buckets(512).dims(8, 16, 8).maxIds(8, 16).embeddingInitScale(0.1).threads(1).build();

  @TempDir Path dir;

  /** Six clients with 10 to 15 clicks each, interleaved as a log would have them; each client its own words. */
  private static List<FederatedJob.Click> log() {
    Random random = new Random(11);
    List<FederatedJob.Click> clicks = new ArrayList<>();
    long sequence = 0;
    for (int round = 0; round < 15; round++) {
      for (int c = 0; c < 6; c++) {
        if (round >= 10 + c) {
          continue;
        }
        int word = 1 + 60 * c + random.nextInt(60);
        clicks.add(new FederatedJob.Click("user-" + c, sequence++, new int[] {word, word + 1},
            new int[] {word, word + 2, 400 + random.nextInt(100)}));
      }
    }
    return clicks;
  }

  private FederatedJob.Plan plan(Path versions) {
    List<FederatedJob.Run> runs = List.of(
        new FederatedJob.Run(ServerOptimizer.Settings.of(ServerOptimizer.Kind.FEDAVG, 1.0), 1),
        new FederatedJob.Run(ServerOptimizer.Settings.of(ServerOptimizer.Kind.FEDYOGI, 0.03), 2));
    return new FederatedJob.Plan(TINY, runs, 4, 3, 2, 4, 0.5, 2, versions.toString());
  }

  private static Map<String, byte[]> files(FederatedJob.Version v) throws Exception {
    Map<String, byte[]> files = new HashMap<>();
    for (String name : List.of("embeddings.f32", "dense.f32")) {
      files.put(name, Files.readAllBytes(Path.of(v.directory(), name)));
    }
    return files;
  }

  @Test
  void everyRunWritesItsVersionsAndTheResultDoesNotDependOnParallelismOrArrivalOrder() throws Exception {
    List<FederatedJob.Version> one = new ArrayList<>();
    FederatedJob.run(log(), plan(dir.resolve("p1")), 1, one::add);
    assertEquals(List.of("0/2", "0/4", "1/2", "1/4"), one.stream().map(v -> v.run() + "/" + v.round()).toList());
    for (FederatedJob.Version v : one) {
      assertTrue(Files.isRegularFile(Path.of(v.directory(), "manifest.json")), v.directory());
      assertTrue(v.clientLoss() > 0, "client loss " + v.clientLoss());
      assertEquals(v.round() == 4, !Double.isNaN(v.finalLoss()), "the final loss comes with the last round");
    }

    List<FederatedJob.Click> shuffled = new ArrayList<>(log());
    Collections.shuffle(shuffled, new Random(3));
    List<FederatedJob.Version> three = new ArrayList<>();
    FederatedJob.run(shuffled, plan(dir.resolve("p3")), 3, three::add);
    assertEquals(one.size(), three.size());
    for (int i = 0; i < one.size(); i++) {
      Map<String, byte[]> a = files(one.get(i));
      Map<String, byte[]> b = files(three.get(i));
      for (String name : a.keySet()) {
        assertArrayEquals(a.get(name), b.get(name), "version " + i + ", " + name + ": the same weights");
      }
      assertEquals(one.get(i).clientLoss(), three.get(i).clientLoss());
    }
    assertFalse(java.util.Arrays.equals(files(one.get(1)).get("embeddings.f32"),
        files(one.get(3)).get("embeddings.f32")), "another optimizer and seed train another model");
  }

  @Test
  void tooFewClientsFailBeforeTheJobStarts() {
    List<FederatedJob.Click> two = log().stream().filter(c -> c.client().compareTo("user-2") < 0).toList();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FederatedJob.run(two, plan(dir), 1, v -> { }));
    assertEquals("2 clients have clicks, fewer than the 3 a round samples", e.getMessage());
  }

  @Test
  void clientsAreSampledWithoutRepeatsAndLocalBatchesWrapAround() {
    List<String> clients = List.of("a", "b", "c", "d", "e");
    List<String> chosen = FederatedRounds.sample(clients, 5, new SplittableRandom(1));
    assertEquals(5, chosen.stream().distinct().count());
    // Two of five, 20,000 times: each client is drawn 8,000 times in expectation; a chi-square of the
    // counts with 4 degrees of freedom stays under 18.5 (p = 0.001) when the draw is uniform.
    SplittableRandom random = new SplittableRandom(7);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      List<String> two = FederatedRounds.sample(clients, 2, random);
      assertEquals(2, two.stream().distinct().count());
      two.forEach(c -> counts.merge(c, 1, Integer::sum));
    }
    double chiSquare = counts.values().stream().mapToDouble(c -> (c - 8000.0) * (c - 8000.0) / 8000.0).sum();
    assertTrue(chiSquare < 18.5, "chi-square " + chiSquare + " of " + counts);
    List<TrainingPair> pairs = List.of(new TrainingPair(new int[] {1}, new int[] {2}),
        new TrainingPair(new int[] {3}, new int[] {4}), new TrainingPair(new int[] {5}, new int[] {6}));
    List<List<TrainingPair>> batches = FederatedRounds.localBatches(pairs, 2, 2, new SplittableRandom(2));
    assertEquals(2, batches.size());
    assertEquals(3, batches.stream().flatMap(List::stream).distinct().count(), "every click before any repeats");
  }
}
