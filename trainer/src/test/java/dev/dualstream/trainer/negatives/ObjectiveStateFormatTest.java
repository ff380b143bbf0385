package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Version migration of the objective's state: files written by formats 1 and 2 and committed to the
 * repository still decode into an objective of their configuration. Regenerate the version 2 file
 * (only when format 2 itself was wrong) with {@code -Dnegatives.golden.regenerate=true}, run from
 * the trainer module's directory; the version 1 file can no longer be written by this build.
 */
class ObjectiveStateFormatTest {
  private static final String GOLDEN_V1 = "objective-state-v1.bin";
  private static final String GOLDEN_V2 = "objective-state-v2.bin";
  private static final int GOLDEN_STEPS = 3;

  @Test
  void decodesTheCommittedVersion1File() throws IOException {
    byte[] golden = golden(GOLDEN_V1);
    assertEquals(ObjectiveState.MAGIC, ByteBuffer.wrap(golden).getInt(0));
    assertEquals(1, ByteBuffer.wrap(golden).getInt(4), "the golden file is format version 1");
    NegativeObjective objective = StateWorld.blank(StateWorld.VERSION_1, StateWorld.LOSS);
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
    NegativeObjective uninterrupted = StateWorld.trained(StateWorld.VERSION_1, StateWorld.LOSS, GOLDEN_STEPS);
    assertEquals(StateWorld.step(uninterrupted, 4), StateWorld.step(objective, 4));
  }

  @Test
  void aVersion1StateIsRewrittenAsVersion2WithTheSameSections() throws IOException {
    byte[] golden = golden(GOLDEN_V1);
    NegativeObjective objective = StateWorld.blank(StateWorld.VERSION_1, StateWorld.LOSS);
    ObjectiveState.decode(golden, objective);
    byte[] expected = golden.clone();
    ByteBuffer.wrap(expected).putInt(4, 2);
    CRC32C crc = new CRC32C();
    crc.update(expected, 0, expected.length - 4);
    ByteBuffer.wrap(expected).putInt(expected.length - 4, (int) crc.getValue());
    assertArrayEquals(expected, ObjectiveState.encode(objective));
  }

  @Test
  void decodesTheCommittedVersion2File() throws IOException {
    regenerateIfAsked();
    byte[] golden = golden(GOLDEN_V2);
    assertEquals(2, ByteBuffer.wrap(golden).getInt(4), "the golden file is format version 2");
    NegativeObjective objective = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    ObjectiveState.decode(golden, objective);
    assertEquals(GOLDEN_STEPS, objective.steps());
    assertEquals(3, objective.clicked().size(), "Q0, Q1, Q2");
    assertArrayEquals(new long[] {ToyWorld.key(ToyWorld.P0)},
        objective.clicked().clicked(ToyWorld.queryKey(ToyWorld.Q0)));
    NegativeObjective uninterrupted = StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, GOLDEN_STEPS);
    assertEquals(StateWorld.step(uninterrupted, 4), StateWorld.step(objective, 4));
  }

  @Test
  void thisBuildStillWritesVersion2ByteForByte() throws IOException {
    // Fails on purpose when the format changes: then give it a new version number, add a golden
    // file of that version and a reader branch, and keep the older files and their tests.
    assertEquals(2, ObjectiveState.VERSION);
    byte[] golden = golden(GOLDEN_V2);
    NegativeObjective objective = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    ObjectiveState.decode(golden, objective);
    assertArrayEquals(golden, ObjectiveState.encode(objective));
  }

  private static final boolean REGENERATE = Boolean.getBoolean("negatives.golden.regenerate");
  private static final Path SOURCE = Path.of("src/test/resources/dev/dualstream/trainer/negatives", GOLDEN_V2);

  private static void regenerateIfAsked() throws IOException {
    if (REGENERATE) {
      Files.createDirectories(SOURCE.getParent());
      Files.write(SOURCE, ObjectiveState.encode(StateWorld.trained(StateWorld.ALL, StateWorld.LOSS, GOLDEN_STEPS)));
    }
  }

  private static byte[] golden(String name) throws IOException {
    if (REGENERATE && name.equals(GOLDEN_V2)) {
      return Files.readAllBytes(SOURCE);
    }
    try (InputStream in = ObjectiveStateFormatTest.class.getResourceAsStream(name)) {
      assertTrue(in != null, "golden file " + name + " is on the test classpath");
      return in.readAllBytes();
    }
  }
}
