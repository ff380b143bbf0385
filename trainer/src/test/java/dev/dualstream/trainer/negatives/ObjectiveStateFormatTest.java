package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Version migration of the objective's state: a file written by format 1 and committed to the
 * repository still decodes into an objective of its configuration, and re-encodes byte for byte.
 * Regenerate it (only when format 1 itself was wrong) with
 * {@code -Dnegatives.golden.regenerate=true}, run from the trainer module's directory.
 */
class ObjectiveStateFormatTest {
  private static final String GOLDEN_V1 = "objective-state-v1.bin";
  private static final int GOLDEN_STEPS = 3;

  @Test
  void decodesTheCommittedVersion1File() throws IOException {
    regenerateIfAsked();
    byte[] golden = golden();
    assertEquals(ObjectiveState.MAGIC, ByteBuffer.wrap(golden).getInt(0));
    assertEquals(1, ByteBuffer.wrap(golden).getInt(4), "the golden file is format version 1");
    NegativeObjective objective = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    ObjectiveState.decode(golden, objective);
    assertEquals(GOLDEN_STEPS, objective.steps());
    assertEquals(4, objective.cacheSize(), "C0, C1, P0, P1");
    assertEquals(GOLDEN_STEPS, objective.cache().step());
    assertEquals(5, objective.poolSize(), "X, P0, P1, S0, S1");
    assertEquals(2, objective.corpus().reencodings(), "at the first draw and after step 2");
    // Three positives a step, each weighing 1/0.9 times the one before: the newest weighs 1.
    assertEquals((1 - Math.pow(0.9, 3 * GOLDEN_STEPS)) / 0.1, objective.positives().total(), 1e-9,
        "decayed count of positives");
    assertTrue(objective.skipped().count(ToyWorld.key(ToyWorld.S1)) > 0, "S1 counted among skip-above");
    assertTrue(Double.isFinite(objective.cacheStaleness()));
    // And it trains on from there like an objective that never stopped.
    NegativeObjective uninterrupted = StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, GOLDEN_STEPS);
    assertEquals(StateWorld.step(uninterrupted, 4), StateWorld.step(objective, 4));
  }

  @Test
  void thisBuildStillWritesVersion1ByteForByte() throws IOException {
    // Fails on purpose when the format changes: then give it a new version number, add a golden
    // file of that version and a reader branch, and keep this file and decodesTheCommittedVersion1File.
    assertEquals(1, ObjectiveState.VERSION);
    byte[] golden = golden();
    NegativeObjective objective = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    ObjectiveState.decode(golden, objective);
    assertArrayEquals(golden, ObjectiveState.encode(objective));
  }

  private static final boolean REGENERATE = Boolean.getBoolean("negatives.golden.regenerate");
  private static final Path SOURCE = Path.of("src/test/resources/dev/dualstream/trainer/negatives", GOLDEN_V1);

  private static void regenerateIfAsked() throws IOException {
    if (REGENERATE) {
      Files.createDirectories(SOURCE.getParent());
      Files.write(SOURCE, ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, GOLDEN_STEPS)));
    }
  }

  private static byte[] golden() throws IOException {
    if (REGENERATE) {
      return Files.readAllBytes(SOURCE);
    }
    try (InputStream in = ObjectiveStateFormatTest.class.getResourceAsStream(GOLDEN_V1)) {
      assertTrue(in != null, "golden file " + GOLDEN_V1 + " is on the test classpath");
      return in.readAllBytes();
    }
  }
}
