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

class TrainerCheckpointTest {

  @TempDir Path dir;

  @Test
  void restoringAndContinuingEqualsNeverStopping() throws Exception {
    SyntheticPairs data = new SyntheticPairs(9, DualEncoderTrainerTest.TINY.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batches.add(data.batch(16));
    }
    Path checkpoint = dir.resolve("checkpoint");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(DualEncoderTrainerTest.TINY, 3)) {
      batches.subList(0, 10).forEach(trainer::step);
      trainer.saveCheckpoint(checkpoint, Map.of("offsets", "0:160"));
      batches.subList(10, 20).forEach(trainer::step);
      trainer.save(dir.resolve("straight"), Map.of());
    }
    try (DualEncoderTrainer resumed = DualEncoderTrainer.restore(checkpoint)) {
      assertEquals(10, resumed.steps());
      assertEquals(160, resumed.examples());
      assertEquals(3, resumed.seed());
      batches.subList(10, 20).forEach(resumed::step);
      resumed.save(dir.resolve("resumed"), Map.of());
    }
    for (String file : List.of("embeddings.f32", "dense.f32")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("straight").resolve(file)),
          Files.readAllBytes(dir.resolve("resumed").resolve(file)), file);
    }
    try (RetrievalModel model = ModelStore.load(checkpoint)) {
      assertTrue(model.describe().contains("step 10"), model.describe());
    }
  }

  @Test
  void aVersionWithoutOptimizerStateIsNotACheckpoint() {
    Path version = dir.resolve("v");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(DualEncoderTrainerTest.TINY, 1)) {
      trainer.save(version, Map.of());
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DualEncoderTrainer.restore(version));
    assertTrue(e.getMessage().contains("optimizer.f32"), e.getMessage());
  }
}
