package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.loss.LossConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The objective's state file: a restored objective holds the same state byte for byte and draws
 * exactly what the original draws next; foreign, damaged, truncated, future and mismatched files
 * are refused with a message naming the file, leaving the objective as it was.
 */
class ObjectiveStateTest {
  @TempDir Path dir;

  @Test
  void aRestoredObjectiveContinuesExactlyAsTheOriginal() throws IOException {
    NegativeObjective original = StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 3);
    Path file = dir.resolve("negatives.bin");
    original.writeState(file);
    NegativeObjective restored = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    restored.readState(file);
    assertArrayEquals(Files.readAllBytes(file), ObjectiveState.encode(restored), "state round trip");
    assertEquals(3, restored.steps());
    assertEquals(original.cacheSize(), restored.cacheSize());
    assertEquals(original.poolSize(), restored.poolSize());
    assertEquals(original.cacheStaleness(), restored.cacheStaleness());
    for (long step = 4; step <= 9; step++) {
      assertEquals(StateWorld.step(original, step), StateWorld.step(restored, step), "draws of step " + step);
    }
    assertArrayEquals(ObjectiveState.encode(original), ObjectiveState.encode(restored), "state after 6 more steps");
    assertEquals(original.positives().probability(ToyWorld.key(ToyWorld.P1)),
        restored.positives().probability(ToyWorld.key(ToyWorld.P1)));
  }

  @Test
  void everyComponentIsInTheState() {
    NegativeObjective objective = StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 3);
    assertNotNull(objective.cache());
    assertNotNull(objective.positives());
    assertNotNull(objective.skipped());
    assertNotNull(objective.pool());
    assertNotNull(objective.corpus());
    assertNotNull(objective.clicked());
    assertEquals(3, objective.clicked().size(), "Q0, Q1 and Q2");
    byte[] before = ObjectiveState.encode(objective);
    // One more step changes every part: the state must change with it.
    StateWorld.step(objective, 4);
    assertFalse(Arrays.equals(before, ObjectiveState.encode(objective)));
  }

  @Test
  void withoutStepsAndWithFewComponentsTheStateRoundTrips() throws IOException {
    for (NegativeConfig config : new NegativeConfig[] {NegativeConfig.defaults().withCache(8, 4),
        NegativeConfig.defaults().withUniform(1), NegativeConfig.defaults().withInBatch(false).withCorpus(3),
        NegativeConfig.defaults().withLogQ(NegativeSource.IN_BATCH)}) {
      for (int steps : new int[] {0, 2}) {
        NegativeObjective objective = StateWorld.trained(config, LossConfig.defaults(), steps);
        byte[] state = ObjectiveState.encode(objective);
        NegativeObjective restored = StateWorld.blank(config, LossConfig.defaults());
        ObjectiveState.decode(state, restored);
        assertArrayEquals(state, ObjectiveState.encode(restored), config.label() + " after " + steps + " steps");
        assertEquals(StateWorld.step(objective, steps + 1), StateWorld.step(restored, steps + 1), config.label());
      }
    }
  }

  @Test
  void aForeignFileIsRefusedByName() throws IOException {
    Path file = dir.resolve("negatives.bin");
    Files.writeString(file, "{\"format\": \"something else entirely\"}");
    IOException e = assertThrows(IOException.class, () -> blank().readState(file));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a negative objective state"),
        e.getMessage());
  }

  @Test
  void aMissingFileIsRefusedByName() {
    Path file = dir.resolve("negatives.bin");
    IOException e = assertThrows(IOException.class, () -> blank().readState(file));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void truncatedFilesAreRefusedAndChangeNothing() throws IOException {
    byte[] state = ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 2));
    NegativeObjective target = StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 1);
    byte[] before = ObjectiveState.encode(target);
    Random random = new Random(11);
    Path file = dir.resolve("negatives.bin");
    for (int i = 0; i < 25; i++) {
      int length = i == 0 ? 0 : random.nextInt(state.length);
      Files.write(file, Arrays.copyOf(state, length));
      IOException e = assertThrows(IOException.class, () -> target.readState(file));
      assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }
    assertArrayEquals(before, ObjectiveState.encode(target), "a refused file leaves the objective as it was");
  }

  @Test
  void damagedFilesFailTheChecksum() throws IOException {
    byte[] state = ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 2));
    Random random = new Random(12);
    Path file = dir.resolve("negatives.bin");
    for (int i = 0; i < 25; i++) {
      byte[] damaged = state.clone();
      damaged[16 + random.nextInt(state.length - 16)] ^= (byte) (1 + random.nextInt(255));
      Files.write(file, damaged);
      IOException e = assertThrows(IOException.class, () -> blank().readState(file));
      assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("checksum"), e.getMessage());
    }
  }

  @Test
  void aFormatVersionFromTheFutureIsRefused() throws IOException {
    byte[] state = ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 1));
    ByteBuffer.wrap(state).putInt(4, 9);
    Path file = dir.resolve("negatives.bin");
    Files.write(file, state);
    IOException e = assertThrows(IOException.class, () -> blank().readState(file));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("format version 9"),
        e.getMessage());
  }

  @Test
  void aStateOfAnotherConfigurationIsRefused() {
    byte[] withCache = ObjectiveState.encode(StateWorld.trained(NegativeConfig.defaults().withCache(8, 0),
        LossConfig.defaults(), 1));
    IllegalArgumentException noCache = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(withCache, StateWorld.blank(NegativeConfig.defaults().withUniform(1),
            LossConfig.defaults())));
    assertTrue(noCache.getMessage().contains("cache section"), noCache.getMessage());
    IllegalArgumentException bigger = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(withCache, StateWorld.blank(NegativeConfig.defaults().withCache(16, 0),
            LossConfig.defaults())));
    assertTrue(bigger.getMessage().contains("capacity 8") && bigger.getMessage().contains("capacity 16"),
        bigger.getMessage());
    byte[] sketch = ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, 1));
    IllegalArgumentException wider = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(sketch, StateWorld.blank(StateWorld.ALL.withPopularity(32, 2, 0.9),
            StateWorld.LOSS)));
    assertTrue(wider.getMessage().contains("16 x 2"), wider.getMessage());
    NegativeObjective otherSeed = NegativeObjective.create(StateWorld.ALL, StateWorld.LOSS, ToyWorld.SCALE,
        ToyWorld.DIM, 4, ToyWorld.staleEncoder(), 18);
    IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(sketch, otherSeed));
    assertTrue(seed.getMessage().contains("another seed"), seed.getMessage());
    IllegalArgumentException memory = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(sketch, StateWorld.blank(StateWorld.ALL.withClickedMemory(32), StateWorld.LOSS)));
    assertTrue(memory.getMessage().contains("16 queries") && memory.getMessage().contains("32"),
        memory.getMessage());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(sketch, StateWorld.blank(StateWorld.VERSION_1, StateWorld.LOSS)));
    assertTrue(none.getMessage().contains("clicked documents section"), none.getMessage());
  }

  @Test
  void aWellFramedFileWithAnUnknownSectionIsRefused() {
    byte[] state = ObjectiveState.encode(StateWorld.trained(NegativeConfig.defaults().withUniform(1),
        LossConfig.defaults(), 1));
    // The first section's tag sits right after the 16-byte header; re-seal the checksum so that
    // only the section check can object.
    state[16] = 42;
    CRC32C crc = new CRC32C();
    crc.update(state, 0, state.length - 4);
    ByteBuffer.wrap(state).putInt(state.length - 4, (int) crc.getValue());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ObjectiveState.decode(state, StateWorld.blank(NegativeConfig.defaults().withUniform(1),
            LossConfig.defaults())));
    assertTrue(e.getMessage().contains("section tag 42"), e.getMessage());
  }

  private static NegativeObjective blank() {
    return StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
  }
}
