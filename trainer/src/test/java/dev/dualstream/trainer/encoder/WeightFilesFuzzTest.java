package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hostile files for the readers of a model's weights, {@link EmbeddingTable#read} and {@link
 * MlpTower#read} (through {@link ArrayFile}): each file must read to weights that write and read back
 * the same, or be refused with an {@link IOException}. Anything else, a hang or an out-of-memory is a
 * finding.
 *
 * <p>{@code ./mvnw verify} replays {@code WeightFilesFuzzTestInputs/<method>}.
 */
class WeightFilesFuzzTest {
  private static final Path DIRECTORY = temporaryDirectory();
  private static final NDManager MANAGER = NDManager.newBaseManager();

  @FuzzTest
  void embeddingTable(byte[] bytes) throws IOException {
    Path file = DIRECTORY.resolve("embeddings.f32");
    Files.write(file, bytes);
    EmbeddingTable table;
    try {
      table = EmbeddingTable.read(file);
    } catch (IOException refused) {
      return;
    }
    table.write(file, ArrayFile.Durability.SCRATCH);
    assertArrayEquals(bytes, Files.readAllBytes(file), "a table read back writes the same bytes");
  }

  @FuzzTest
  void mlpTower(byte[] bytes) throws IOException {
    Path file = DIRECTORY.resolve("dense.f32");
    Files.write(file, bytes);
    try (NDManager manager = MANAGER.newSubManager()) {
      MlpTower tower;
      try {
        tower = MlpTower.read(manager, file, false);
      } catch (IOException refused) {
        return;
      }
      tower.write(file, ArrayFile.Durability.SCRATCH);
      assertArrayEquals(bytes, Files.readAllBytes(file), "a tower read back writes the same bytes");
    }
  }

  private static Path temporaryDirectory() {
    try {
      Path dir = Files.createTempDirectory("weights-fuzz");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
