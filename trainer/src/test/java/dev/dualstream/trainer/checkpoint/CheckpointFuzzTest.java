package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Hostile bytes for the three readers of a training checkpoint: the trainer's managed state (an
 * {@link IOException}), its model archive and a whole {@code _metadata} file (a {@link
 * CorruptCheckpointException}, as {@link CheckpointLocator#verify} reports it). Any other exception,
 * a hang or an out-of-memory is a finding; a snapshot that decodes must encode to itself.
 *
 * <p>{@code ./mvnw verify} replays {@code CheckpointFuzzTestInputs/<method>}; the metadata seeds are
 * checkpoints with inline state ({@link InlineCheckpoint}), so mutations reach all three readers.
 */
class CheckpointFuzzTest {
  private static final Path DIRECTORY = temporaryDirectory();

  @FuzzTest
  void trainingSnapshot(byte[] bytes) throws IOException {
    TrainingSnapshot snapshot;
    try {
      snapshot = TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
    } catch (IOException refused) {
      return;
    }
    DataOutputSerializer out = new DataOutputSerializer(bytes.length);
    TrainingSnapshotSerializer.INSTANCE.serialize(snapshot, out);
    assertEquals(snapshot, TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
  }

  @FuzzTest
  void stateArchive(byte[] bytes) throws IOException {
    try {
      StateArchive.verify(new ByteArrayInputStream(bytes), null, "the fuzz input");
    } catch (CorruptCheckpointException refused) {
      // the one way an archive is refused
    }
  }

  @FuzzTest
  void checkpointMetadata(byte[] bytes) throws IOException {
    Files.write(DIRECTORY.resolve(CheckpointLocator.METADATA), bytes);
    try {
      CheckpointLocator.verify(DIRECTORY);
    } catch (CorruptCheckpointException refused) {
      // the one way a checkpoint is refused
    }
  }

  private static Path temporaryDirectory() {
    try {
      Path dir = Files.createTempDirectory("checkpoint-fuzz");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
