package dev.dualstream.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verifying one checkpoint directory, on checkpoints whose state is inline in their metadata. */
class CheckpointLocatorTest {

  @Test
  void anIntactCheckpointVerifiesWithItsState(@TempDir Path scratch, @TempDir Path dir) throws IOException {
    byte[] archive = InlineCheckpoint.archive(scratch);
    TrainingSnapshot state = InlineCheckpoint.recording(archive);
    Files.write(dir.resolve("_metadata"), InlineCheckpoint.metadata(9, state, archive));

    CheckpointLocator.Verified verified = CheckpointLocator.verify(dir);

    assertEquals(9, verified.checkpointId());
    assertEquals(state, verified.state());
  }

  @Test
  void anArchiveThatDoesNotMatchTheRecordedDigestIsRefused(@TempDir Path scratch, @TempDir Path dir)
      throws IOException {
    byte[] archive = InlineCheckpoint.archive(scratch);
    TrainingSnapshot state = InlineCheckpoint.recording(archive);
    byte[] other = archive.clone();
    other[other.length - 9] ^= 1; // the entry count's trailer stays intact, the bytes differ
    Files.write(dir.resolve("_metadata"), InlineCheckpoint.metadata(9, state, other));

    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> CheckpointLocator.verify(dir));
    assertTrue(e.getMessage().contains("(inline)"), e.getMessage());
  }

  @Test
  void truncatedMetadataIsADamagedCheckpoint(@TempDir Path scratch, @TempDir Path dir) throws IOException {
    byte[] archive = InlineCheckpoint.archive(scratch);
    byte[] metadata = InlineCheckpoint.metadata(9, InlineCheckpoint.recording(archive), archive);
    for (int length = 0; length < metadata.length; length += 1 + length / 4) {
      Files.write(dir.resolve("_metadata"), java.util.Arrays.copyOf(metadata, length));
      assertThrows(CorruptCheckpointException.class, () -> CheckpointLocator.verify(dir), "cut at " + length);
    }
  }
}
