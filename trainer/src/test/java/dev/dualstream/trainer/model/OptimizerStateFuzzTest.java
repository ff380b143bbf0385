package dev.dualstream.trainer.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hostile files for the optimizer half of a trainer checkpoint ({@link TrainerCheckpoint#read}), read
 * for a small model with Adam on the table (its state has the most parts): each file must be read or
 * refused with an {@link IOException}. Anything else, a hang or an out-of-memory is a finding.
 *
 * <p>{@code ./mvnw verify} replays {@code OptimizerStateFuzzTestInputs/read}.
 */
class OptimizerStateFuzzTest {
  /** 17 table rows of 2, dense layers 2 -> 3 -> 2: a whole file is 508 bytes. */
  static final ModelConfig CONFIG = DualEncoderTrainerTest.TINY.toBuilder().buckets(16).dims(2, 3, 2)
      .tableOptimizer(TableOptimizer.Kind.ADAM).build();
  static final long[] DENSE_SIZES = {3 * 2, 3, 2 * 3, 2};
  private static final Path DIRECTORY = temporaryDirectory();

  @FuzzTest
  void read(byte[] bytes) throws IOException {
    Files.write(DIRECTORY.resolve(TrainerCheckpoint.OPTIMIZER_FILE), bytes);
    try {
      TrainerCheckpoint.read(DIRECTORY, CONFIG, DENSE_SIZES);
    } catch (IOException refused) {
      // the one way optimizer state is refused
    }
  }

  private static Path temporaryDirectory() {
    try {
      Path dir = Files.createTempDirectory("optimizer-fuzz");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
