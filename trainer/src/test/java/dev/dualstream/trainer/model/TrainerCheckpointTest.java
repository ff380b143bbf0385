package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.optim.TableOptimizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerCheckpointTest {

  @TempDir Path dir;

  /** The default table optimizer is Adagrad; Adam's state has its own layout and its own version history. */
  private static final ModelConfig ADAM = DualEncoderTrainerTest.TINY.toBuilder()
      .tableOptimizer(TableOptimizer.Kind.ADAM).build();
  private static final ModelConfig ADAGRAD = DualEncoderTrainerTest.TINY.toBuilder()
      .tableOptimizer(TableOptimizer.Kind.ADAGRAD).adagradInitialAccumulator(0.01).build();

  @Test
  void restoringAndContinuingEqualsNeverStopping() throws Exception {
    Path checkpoint = trainAndCheckpoint(ADAM);
    resumeAndCompare(checkpoint);
    try (RetrievalModel model = ModelStore.load(checkpoint)) {
      assertTrue(model.describe().contains("step 10"), model.describe());
    }
  }

  @Test
  void anAdagradTrainerRestoresAndContinuesBitIdentically() throws Exception {
    Path checkpoint = trainAndCheckpoint(ADAGRAD);
    resumeAndCompare(checkpoint);
    byte[] straight = Files.readAllBytes(dir.resolve("straight").resolve("embeddings.f32"));
    Path adam = dir.resolve("adam");
    Files.createDirectories(adam);
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(ADAM, 3)) {
      batches().forEach(trainer::step);
      trainer.save(adam, Map.of());
    }
    assertFalse(Arrays.equals(straight, Files.readAllBytes(adam.resolve("embeddings.f32"))),
        "Adagrad trained the table exactly as Adam did: the choice was ignored");
  }

  @Test
  void aVersionOneFileStillRestoresAsAdam() throws Exception {
    Path checkpoint = trainAndCheckpoint(ADAM);
    // Version 1 is version 2 without the kind field (always Adam): rewrite the file as v1 wrote it.
    Path file = checkpoint.resolve(TrainerCheckpoint.OPTIMIZER_FILE);
    ByteBuffer v2 = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(2, v2.getInt(4));
    assertEquals(0, v2.getInt(8), "Adam's kind code");
    ByteBuffer v1 = ByteBuffer.allocate(v2.capacity() - 4).order(ByteOrder.LITTLE_ENDIAN);
    v1.putInt(v2.getInt(0)).putInt(1);
    v1.put(v2.array(), 12, v2.capacity() - 12);
    Files.write(file, v1.array());
    resumeAndCompare(checkpoint);
  }

  @Test
  void stateOfAnotherTableOptimizerIsRefusedWithTheReason() throws Exception {
    Path checkpoint = trainAndCheckpoint(ADAM);
    Path file = checkpoint.resolve(TrainerCheckpoint.OPTIMIZER_FILE);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1);
    Files.write(file, bytes);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DualEncoderTrainer.restore(checkpoint));
    assertTrue(e.getMessage().contains("holds Adagrad state")
        && e.getMessage().contains("table optimizer is ADAM"), e.getMessage());
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 3);
    Files.write(file, bytes);
    e = assertThrows(IllegalArgumentException.class, () -> DualEncoderTrainer.restore(checkpoint));
    assertTrue(e.getMessage().contains("format version 1 to 2"), e.getMessage());
  }

  private List<List<TrainingPair>> batches() {
    SyntheticPairs data = new SyntheticPairs(9, DualEncoderTrainerTest.TINY.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batches.add(data.batch(16));
    }
    return batches;
  }

  /** Trains 20 batches, checkpointing after 10, and saves the end state to {@code straight}. */
  private Path trainAndCheckpoint(ModelConfig config) {
    List<List<TrainingPair>> batches = batches();
    Path checkpoint = dir.resolve("checkpoint");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 3)) {
      batches.subList(0, 10).forEach(trainer::step);
      trainer.saveCheckpoint(checkpoint, Map.of("offsets", "0:160"));
      batches.subList(10, 20).forEach(trainer::step);
      trainer.save(dir.resolve("straight"), Map.of());
    }
    return checkpoint;
  }

  /** Restores {@code checkpoint}, trains the last 10 batches, and compares with {@code straight}. */
  private void resumeAndCompare(Path checkpoint) throws Exception {
    try (DualEncoderTrainer resumed = DualEncoderTrainer.restore(checkpoint)) {
      assertEquals(10, resumed.steps());
      assertEquals(160, resumed.examples());
      assertEquals(3, resumed.seed());
      batches().subList(10, 20).forEach(resumed::step);
      resumed.save(dir.resolve("resumed"), Map.of());
    }
    for (String file : List.of("embeddings.f32", "dense.f32")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("straight").resolve(file)),
          Files.readAllBytes(dir.resolve("resumed").resolve(file)), file);
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

  /**
   * A full checkpoint after 4 steps, incremental ones after 7 and 10: the chain restores to the state a full
   * checkpoint after 10 would hold, and training on from it is bit-identical to never stopping.
   */
  @Test
  void aChainOfIncrementalCheckpointsRestoresAndContinuesBitIdentically() throws Exception {
    // A table sixteen times the ids the batches use, so that a delta is visibly a part of it.
    // The third trains with the negative cache, whose state each link holds in full; the fourth is a Transformer.
    for (ModelConfig config : List.of(ADAM.toBuilder().buckets(1 << 14).build(),
        ADAGRAD.toBuilder().buckets(1 << 14).build(), ADAGRAD.toBuilder().buckets(1 << 14).modelName("cached")
            .negatives(dev.dualstream.trainer.negatives.NegativeConfig.defaults().withCache(64, 16)
                .withCacheRefresh(true, 8)).build(),
        ADAGRAD.toBuilder().buckets(1 << 14).modelName("transformer")
            .transformer(dev.dualstream.trainer.encoder.TransformerSpec.defaults()).build())) {
      List<List<TrainingPair>> batches = batches();
      String name = config.modelName() + "-" + config.tableOptimizer();
      Path full = dir.resolve(name + "-full");
      Path first = dir.resolve(name + "-delta-1");
      Path second = dir.resolve(name + "-delta-2");
      int rows;
      try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 3)) {
        batches.subList(0, 4).forEach(trainer::step);
        trainer.saveCheckpointBase(full, Map.of(), dev.dualstream.trainer.encoder.ArrayFile.Durability.SCRATCH);
        batches.subList(4, 6).forEach(trainer::step);
        // A version written with its optimizer state between two links leaves the chain whole.
        trainer.saveCheckpoint(dir.resolve(name + "-version"), Map.of());
        batches.subList(6, 7).forEach(trainer::step);
        rows = trainer.saveCheckpointDelta(first, Map.of(), dev.dualstream.trainer.encoder.ArrayFile.Durability.SCRATCH);
        batches.subList(7, 10).forEach(trainer::step);
        trainer.saveCheckpointDelta(second, Map.of("offsets", "0:160"),
            dev.dualstream.trainer.encoder.ArrayFile.Durability.SCRATCH);
        batches.subList(10, 20).forEach(trainer::step);
        trainer.save(dir.resolve("straight"), Map.of());
      }
      assertTrue(rows > 0 && rows < config.buckets() / 4, "three steps touch a few rows: " + rows);
      assertTrue(Files.size(first.resolve(DualEncoderTrainer.TABLE_DELTA_FILE))
          < Files.size(full.resolve("embeddings.f32")) / 4, "a delta costs its rows, not the table");
      assertFalse(Files.exists(first.resolve("embeddings.f32")));
      assertEquals(config.modelName().equals("cached"), Files.exists(second.resolve(DualEncoderTrainer.NEGATIVES_FILE)),
          "the cache's state travels with each link");
      try (DualEncoderTrainer resumed = DualEncoderTrainer.restore(List.of(full, first, second))) {
        assertEquals(10, resumed.steps());
        assertEquals(160, resumed.examples());
        batches.subList(10, 20).forEach(resumed::step);
        resumed.save(dir.resolve("resumed"), Map.of());
      }
      for (String file : List.of("embeddings.f32", "dense.f32")) {
        assertArrayEquals(Files.readAllBytes(dir.resolve("straight").resolve(file)),
            Files.readAllBytes(dir.resolve("resumed").resolve(file)), config.tableOptimizer() + " " + file);
      }
      assertThrows(IllegalArgumentException.class, () -> ModelStore.load(first), "a delta is no model version");
      String outOfPlace = assertThrows(IllegalArgumentException.class,
          () -> DualEncoderTrainer.restore(List.of(first, second))).getMessage();
      assertTrue(outOfPlace.contains("starts with an incremental checkpoint"), outOfPlace);
      String notADelta = assertThrows(IllegalArgumentException.class,
          () -> DualEncoderTrainer.restore(List.of(full, full))).getMessage();
      assertTrue(notADelta.contains("is not an incremental checkpoint"), notADelta);
    }
  }
}
