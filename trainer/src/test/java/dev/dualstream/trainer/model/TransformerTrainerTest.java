package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.TransformerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Transformer tower trained, saved, loaded and resumed by the same trainer as the bag. */
class TransformerTrainerTest {

  static final ModelConfig TINY_TRANSFORMER = DualEncoderTrainerTest.TINY.toBuilder()
      .modelName("tiny-transformer").transformer(new TransformerSpec(2, 2, 0)).build();

  @TempDir Path dir;

  @Test
  void trainingLowersLossAndRaisesInBatchAccuracy() {
    SyntheticPairs data = new SyntheticPairs(1, TINY_TRANSFORMER.buckets());
    List<StepResult> results = new ArrayList<>();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY_TRANSFORMER, 3)) {
      for (int step = 0; step < 200; step++) {
        results.add(trainer.step(data.batch(16)));
      }
    }
    double firstLoss = mean(results.subList(0, 10), true);
    double lastLoss = mean(results.subList(190, 200), true);
    double firstAccuracy = mean(results.subList(0, 10), false);
    double lastAccuracy = mean(results.subList(190, 200), false);
    assertTrue(lastLoss < 0.5 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
    assertTrue(lastAccuracy > firstAccuracy + 0.4, "accuracy " + firstAccuracy + " -> " + lastAccuracy);
  }

  @Test
  void aSavedVersionLoadsWithItsEncoderAndEmbedsAsTheTrainerDoes() throws Exception {
    Path version = dir.resolve("v1");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY_TRANSFORMER, 5)) {
      SyntheticPairs data = new SyntheticPairs(2, TINY_TRANSFORMER.buckets());
      for (int i = 0; i < 10; i++) {
        trainer.step(data.batch(16));
      }
      trainer.save(version, Map.of());
      try (RetrievalModel live = trainer.asRetrievalModel(); RetrievalModel loaded = ModelStore.load(version)) {
        assertTrue(loaded.describe().contains("hashed-transformer"), loaded.describe());
        float[][] a = live.embedDocuments(DualEncoderTrainerTest.DOCS);
        float[][] b = loaded.embedDocuments(DualEncoderTrainerTest.DOCS);
        for (int i = 0; i < a.length; i++) {
          assertArrayEquals(a[i], b[i], "document " + i);
        }
      }
    }
    // A manifest whose config describes the bag cannot load Transformer weights.
    Path manifest = version.resolve("manifest.json");
    String text = Files.readString(manifest);
    Files.writeString(manifest, text.replace("\"hashed-transformer\"", "\"hashed-bag-mlp\""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelStore.load(version));
    assertTrue(e.getMessage().contains("its config describes hashed-transformer"), e.getMessage());
  }

  @Test
  void restoringAndContinuingEqualsNeverStopping() throws Exception {
    SyntheticPairs data = new SyntheticPairs(9, TINY_TRANSFORMER.buckets());
    List<List<dev.dualstream.trainer.model.TrainingPair>> batches = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      batches.add(data.batch(16));
    }
    Path checkpoint = dir.resolve("checkpoint");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY_TRANSFORMER, 3)) {
      batches.subList(0, 6).forEach(trainer::step);
      trainer.saveCheckpoint(checkpoint, Map.of());
      batches.subList(6, 12).forEach(trainer::step);
      trainer.save(dir.resolve("straight"), Map.of());
    }
    try (DualEncoderTrainer resumed = DualEncoderTrainer.restore(checkpoint)) {
      assertEquals(6, resumed.steps());
      batches.subList(6, 12).forEach(resumed::step);
      resumed.save(dir.resolve("resumed"), Map.of());
    }
    for (String file : List.of("embeddings.f32", "dense.f32")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("straight").resolve(file)),
          Files.readAllBytes(dir.resolve("resumed").resolve(file)), file);
    }
  }

  @Test
  void aGrownTrainerKeepsTheTableAndGoesOnLearning() throws Exception {
    SyntheticPairs data = new SyntheticPairs(4, TINY_TRANSFORMER.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int i = 0; i < 160; i++) {
      batches.add(data.batch(16));
    }
    DualEncoderTrainer small = DualEncoderTrainer.create(TINY_TRANSFORMER, 3);
    batches.subList(0, 80).forEach(small::step);
    small.save(dir.resolve("small"), Map.of());
    List<StepResult> after = new ArrayList<>();
    try (DualEncoderTrainer grown = small.grow(4, dev.dualstream.trainer.encoder.TransformerTower.Growth.STACK_ALL)) {
      assertEquals(80, grown.steps());
      assertEquals(80 * 16, grown.examples());
      assertEquals(4, grown.config().transformer().layers());
      grown.save(dir.resolve("grown"), Map.of());
      batches.subList(80, 160).forEach(b -> after.add(grown.step(b)));
    }
    assertArrayEquals(Files.readAllBytes(dir.resolve("small").resolve("embeddings.f32")),
        Files.readAllBytes(dir.resolve("grown").resolve("embeddings.f32")), "the table carries over");
    assertTrue(mean(after.subList(70, 80), true) < mean(after.subList(0, 10), true),
        "the grown model learns on: " + mean(after.subList(0, 10), true) + " -> " + mean(after.subList(70, 80), true));
    assertThrows(IllegalStateException.class, () -> {
      try (DualEncoderTrainer bag = DualEncoderTrainer.create(DualEncoderTrainerTest.TINY, 1)) {
        bag.grow(2, dev.dualstream.trainer.encoder.TransformerTower.Growth.STACK_ALL);
      }
    });
  }

  private static double mean(List<StepResult> results, boolean loss) {
    return results.stream().mapToDouble(r -> loss ? r.loss() : r.accuracy()).average().orElseThrow();
  }
}
