package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.negatives.DocKeys;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer checkpoint holds the negative objective's whole state: stopping after k steps,
 * restoring and training n more gives the same checkpoint, byte for byte, as training k + n
 * steps without stopping, with the cache, both popularity sketches, the pool, uniform and corpus
 * draws all in play.
 */
class NegativesCheckpointTest {
  /** Every source with state, label bias and logQ, on the tiny model. */
  static final ModelConfig ALL = DualEncoderTrainerTest.TINY.toBuilder()
      .buckets(1 << 12).dims(16, 32, 16).threads(1).learningRate(0.01)
      .negatives(NegativeConfig.defaults().withCache(64, 8).withCacheRefresh(true, 4).withSkipAbove(1)
          .withUniform(2).withCorpus(5).withPopularity(1 << 10, 3, 0.999)
          .withLogQ(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE, NegativeSource.UNIFORM))
      .loss(LossConfig.defaults().withLabelBias(0.3))
      .build();
  private static final int BEFORE = 7;
  private static final int AFTER = 9;

  @TempDir Path dir;

  @Test
  void stoppingAndRestoringEqualsNeverStopping() throws IOException {
    List<List<TrainingPair>> batches = batches(BEFORE + AFTER);
    Path checkpoint = dir.resolve("checkpoint");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(ALL, 3)) {
      trainer.addKnownDocument(new DocumentText("known", "zlib", "compression library"));
      batches.subList(0, BEFORE).forEach(trainer::step);
      trainer.saveCheckpoint(checkpoint, Map.of("offsets", "0:56"));
      batches.subList(BEFORE, BEFORE + AFTER).forEach(trainer::step);
      trainer.saveCheckpoint(dir.resolve("straight"), Map.of());
    }
    assertTrue(Files.size(checkpoint.resolve(DualEncoderTrainer.NEGATIVES_FILE)) > 1_000, "the state is written");
    try (DualEncoderTrainer resumed = DualEncoderTrainer.restore(checkpoint)) {
      resumed.saveCheckpoint(dir.resolve("again"), Map.of("offsets", "0:56"));
      batches.subList(BEFORE, BEFORE + AFTER).forEach(resumed::step);
      resumed.saveCheckpoint(dir.resolve("resumed"), Map.of());
    }
    Map<String, byte[]> saved = files(checkpoint);
    assertEquals(saved.keySet(), files(dir.resolve("again")).keySet());
    saved.forEach((name, bytes) -> assertArrayEquals(bytes, files(dir.resolve("again")).get(name),
        name + " round trips through restore"));
    Map<String, byte[]> straight = files(dir.resolve("straight"));
    Map<String, byte[]> resumed = files(dir.resolve("resumed"));
    assertEquals(straight.keySet(), resumed.keySet());
    assertTrue(straight.keySet().containsAll(List.of(DualEncoderTrainer.NEGATIVES_FILE, "optimizer.f32",
        "embeddings.f32", "dense.f32", "manifest.json")), straight.keySet().toString());
    for (String name : straight.keySet()) {
      assertArrayEquals(straight.get(name), resumed.get(name), name + " after " + (BEFORE + AFTER) + " steps");
    }
  }

  @Test
  void plainInBatchCheckpointsHaveNoNegativesFile() throws IOException {
    Path checkpoint = dir.resolve("plain");
    ModelConfig plain = ALL.toBuilder().negatives(NegativeConfig.defaults()).loss(LossConfig.defaults()).build();
    assertTrue(plain.inBatchSoftmax());
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(plain, 1)) {
      trainer.step(batches(1).get(0));
      trainer.saveCheckpoint(checkpoint, Map.of());
    }
    assertFalse(Files.exists(checkpoint.resolve(DualEncoderTrainer.NEGATIVES_FILE)));
    Files.write(checkpoint.resolve(DualEncoderTrainer.NEGATIVES_FILE), new byte[] {1, 2, 3});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DualEncoderTrainer.restore(checkpoint).close());
    assertTrue(e.getMessage().contains(DualEncoderTrainer.NEGATIVES_FILE), e.getMessage());
  }

  @Test
  void aCheckpointWithAMissingOrDamagedNegativesFileIsRefusedByName() throws IOException {
    Path checkpoint = dir.resolve("checkpoint");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(ALL, 3)) {
      batches(2).forEach(trainer::step);
      trainer.saveCheckpoint(checkpoint, Map.of());
    }
    Path file = checkpoint.resolve(DualEncoderTrainer.NEGATIVES_FILE);
    byte[] state = Files.readAllBytes(file);
    state[state.length / 2] ^= 0x10;
    Files.write(file, state);
    IllegalArgumentException damaged = assertThrows(IllegalArgumentException.class,
        () -> DualEncoderTrainer.restore(checkpoint).close());
    assertTrue(damaged.getMessage().contains(file.toString()) && damaged.getMessage().contains("checksum"),
        damaged.getMessage());
    Files.delete(file);
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> DualEncoderTrainer.restore(checkpoint).close());
    assertTrue(missing.getMessage().contains(file.toString()) && missing.getMessage().contains("missing"),
        missing.getMessage());
  }

  /** Seeded batches of 8 pairs with ids, each with the next pair's document as a skip-above negative. */
  private static List<List<TrainingPair>> batches(int count) {
    SyntheticPairs data = new SyntheticPairs(21, ALL.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<TrainingPair> batch = data.batch(8);
      List<TrainingPair> keyed = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        TrainingPair p = batch.get(i);
        int[] other = batch.get((i + 1) % batch.size()).docIds();
        keyed.add(new TrainingPair(p.queryIds(), p.docIds(), DocKeys.ofFeatures(p.docIds()),
            new long[] {DocKeys.ofFeatures(other)}, List.of(other)));
      }
      batches.add(keyed);
    }
    return batches;
  }

  private static Map<String, byte[]> files(Path checkpoint) {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> entries = Files.list(checkpoint)) {
      for (Path p : entries.toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read " + checkpoint, e);
    }
    return files;
  }
}
