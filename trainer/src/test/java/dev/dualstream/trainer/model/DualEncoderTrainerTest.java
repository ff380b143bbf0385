package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DualEncoderTrainerTest {

  static final ModelConfig TINY = ModelConfig.defaults().toBuilder().modelName("tiny")
      .buckets(1024).dims(8, 16, 8).maxIds(16, 32).learningRate(0.01).embeddingInitScale(0.1)
      .batchSize(16).inferenceBatchSize(5).threads(1).build();

  static final List<String> QUERIES = List.of("zlib compression", "perl module", "", "x");
  static final List<DocumentText> DOCS = List.of(
      new DocumentText("a", "zlib", "compression library"),
      new DocumentText("b", "libperl", "Perl module for JSON"),
      new DocumentText("c", null, null));

  @TempDir Path dir;

  @Test
  void trainingLowersLossAndRaisesInBatchAccuracy() {
    SyntheticPairs data = new SyntheticPairs(1, TINY.buckets());
    List<StepResult> results = new ArrayList<>();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 3)) {
      for (int step = 0; step < 200; step++) {
        results.add(trainer.step(data.batch(16)));
      }
      assertEquals(200, trainer.steps());
      assertEquals(3200, trainer.examples());
    }
    double firstLoss = mean(results.subList(0, 10), true);
    double lastLoss = mean(results.subList(190, 200), true);
    double firstAccuracy = mean(results.subList(0, 10), false);
    double lastAccuracy = mean(results.subList(190, 200), false);
    assertTrue(lastLoss < 0.5 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
    assertTrue(lastAccuracy > firstAccuracy + 0.4,
        "accuracy " + firstAccuracy + " -> " + lastAccuracy);
    assertTrue(results.get(0).touchedRows() > 0 && results.get(0).batchSize() == 16);
  }

  @Test
  void sameSeedAndBatchesGiveIdenticalParameters() throws Exception {
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    trainAndSave(first, 7);
    trainAndSave(second, 7);
    for (String file : List.of("embeddings.f32", "dense.f32")) {
      assertArrayEquals(Files.readAllBytes(first.resolve(file)),
          Files.readAllBytes(second.resolve(file)), file);
    }
    Path other = dir.resolve("other");
    trainAndSave(other, 8);
    assertTrue(!java.util.Arrays.equals(Files.readAllBytes(first.resolve("dense.f32")),
        Files.readAllBytes(other.resolve("dense.f32"))), "a different seed changed nothing");
  }

  @Test
  void saveThenLoadGivesIdenticalEmbeddings() {
    Path version = dir.resolve("v1");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 5)) {
      SyntheticPairs data = new SyntheticPairs(2, TINY.buckets());
      for (int i = 0; i < 20; i++) {
        trainer.step(data.batch(16));
      }
      trainer.save(version, Map.of("source", "synthetic", "offsets", "0:320"));
      try (RetrievalModel live = trainer.asRetrievalModel();
          RetrievalModel loaded = ModelStore.load(version)) {
        assertEquals(8, loaded.dimension());
        assertDeepEquals(live.embedQueries(QUERIES), loaded.embedQueries(QUERIES));
        assertDeepEquals(live.embedDocuments(DOCS), loaded.embedDocuments(DOCS));
        String description = loaded.describe();
        assertTrue(description.contains("step 20") && description.contains("examples seen 320")
            && description.contains("offsets = 0:320") && description.contains("seed 5"),
            description);
      }
    }
  }

  @Test
  void untrainedModelIsTheTrainersStartingPoint() {
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 11);
        RetrievalModel start = trainer.asRetrievalModel();
        RetrievalModel untrained = ModelStore.untrained(TINY, 11)) {
      assertDeepEquals(start.embedDocuments(DOCS), untrained.embedDocuments(DOCS));
      float[][] queries = untrained.embedQueries(QUERIES);
      assertEquals(QUERIES.size(), queries.length);
      for (int i = 0; i < queries.length; i++) {
        double norm = 0;
        for (float x : queries[i]) {
          norm += x * x;
        }
        // The empty query has no feature at all and embeds to zeros.
        assertEquals(QUERIES.get(i).isEmpty() ? 0.0 : 1.0, norm, 1e-4, "query " + i);
      }
    }
  }

  @Test
  void refusesEmptyBatchesAndForeignIds() {
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 1)) {
      assertThrows(IllegalArgumentException.class, () -> trainer.step(List.of()));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> trainer.step(List.of(new TrainingPair(new int[] {1}, new int[] {5000}))));
      assertTrue(e.getMessage().contains("5000"), e.getMessage());
      assertEquals(0, trainer.steps());
    }
  }

  @Test
  void featurizedPairsMatchTheFeaturizer() {
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 1)) {
      TrainingPair pair = TrainingPair.of(trainer.featurizer(), "zlib", DOCS.get(0));
      assertArrayEquals(trainer.featurizer().query("zlib"), pair.queryIds());
      assertEquals(pair, new TrainingPair(pair.queryIds(), pair.docIds(), pair.docKey(), new long[0], List.of()));
      assertTrue(trainer.describeDevice().startsWith("PyTorch"), trainer.describeDevice());
    }
  }

  private static void trainAndSave(Path into, long seed) {
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, seed)) {
      SyntheticPairs data = new SyntheticPairs(4, TINY.buckets());
      for (int i = 0; i < 15; i++) {
        trainer.step(data.batch(16));
      }
      trainer.save(into, Map.of());
    }
  }

  private static double mean(List<StepResult> results, boolean loss) {
    return results.stream().mapToDouble(r -> loss ? r.loss() : r.accuracy()).average()
        .orElseThrow();
  }

  static void assertDeepEquals(float[][] expected, float[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], actual[i], "row " + i);
    }
  }
}
