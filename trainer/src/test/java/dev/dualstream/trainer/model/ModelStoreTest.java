package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

  @TempDir Path dir;

  @Test
  void refusesAMissingDirectory() {
    assertRefused(dir.resolve("nope"), "does not exist");
  }

  @Test
  void refusesADirectoryWithoutManifest() {
    assertRefused(dir, "has no manifest.json");
  }

  @Test
  void refusesAForeignManifest() throws IOException {
    Files.writeString(dir.resolve("manifest.json"), "{\"format\":\"something-else\"}");
    assertRefused(dir, "not a dualstream model manifest");
    Files.writeString(dir.resolve("manifest.json"), "{not json");
    assertRefused(dir, "unreadable");
  }

  @Test
  void refusesMissingOrTruncatedWeights() throws IOException {
    Path version = dir.resolve("v");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(DualEncoderTrainerTest.TINY, 1)) {
      trainer.save(version, Map.of());
    }
    byte[] table = Files.readAllBytes(version.resolve("embeddings.f32"));
    Files.write(version.resolve("embeddings.f32"), Arrays.copyOf(table, table.length / 2));
    assertRefused(version, "expected");
    Files.delete(version.resolve("embeddings.f32"));
    assertRefused(version, "embeddings.f32");
  }

  @Test
  void describeReadsOnlyTheManifest() {
    Path version = dir.resolve("v");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(DualEncoderTrainerTest.TINY, 1)) {
      trainer.save(version, Map.of("code", "abc123"));
    }
    String description = ModelStore.describe(version);
    assertTrue(description.contains("model tiny") && description.contains("code = abc123"),
        description);
  }

  private static void assertRefused(Path version, String reason) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelStore.load(version));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
