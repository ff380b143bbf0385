package dev.dualstream.trainer.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;

/**
 * A checkpoint of the training job as a single {@code _metadata} file, the trainer's managed and raw
 * state inline in it, as Flink stores state below its file-size threshold: a real checkpoint for
 * {@link CheckpointLocator} without a Flink cluster, and one the fuzzer can mutate as a whole.
 */
final class InlineCheckpoint {
  private InlineCheckpoint() {}

  /** The {@code _metadata} bytes of checkpoint {@code id} holding {@code state} and {@code archive}. */
  static byte[] metadata(long id, TrainingSnapshot state, byte[] archive) {
    try {
      DataOutputSerializer managed = new DataOutputSerializer(256);
      TrainingSnapshotSerializer.INSTANCE.serialize(state, managed);
      OperatorSubtaskState subtask = OperatorSubtaskState.builder()
          .setManagedOperatorState(handle(CheckpointLocator.TRAINING_STATE_NAME, "managed", managed.getCopyOfBuffer()))
          .setRawOperatorState(handle("raw", "raw", archive))
          .build();
      OperatorState operator = new OperatorState("train", CheckpointLocator.TRAINING_OPERATOR_UID,
          new OperatorID(1, 2), 1, 128);
      operator.putState(0, subtask);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(id, List.of(operator), List.of()),
          new DataOutputStream(bytes));
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A snapshot like {@link Snapshots#goldenV1()} that records {@code archive}'s length and SHA-256. */
  static TrainingSnapshot recording(byte[] archive) throws IOException {
    StateArchive.Digest digest = StateArchive.verify(new ByteArrayInputStream(archive), null, "archive");
    TrainingSnapshot s = Snapshots.goldenV1();
    return new TrainingSnapshot(s.modelName(), s.steps(), s.examplesApplied(), s.partialBatch(), s.inputTopic(),
        s.nextOffsets(), s.newestEventTimeMs(), s.lastVersion(), s.lastVersionStep(), s.pendingVersions(),
        digest.bytes(), digest.sha256());
  }

  /** A two-entry archive of a trainer state directory, as {@link StateArchive#write} packs it. */
  static byte[] archive(Path scratch) throws IOException {
    Files.write(scratch.resolve("manifest.json"), "{\"step\":41}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.write(scratch.resolve("weights.f32"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StateArchive.write(scratch, out);
    return out.toByteArray();
  }

  private static OperatorStateHandle handle(String stateName, String handleName, byte[] bytes) {
    return new OperatorStreamStateHandle(
        Map.of(stateName, new OperatorStateHandle.StateMetaInfo(new long[] {0}, OperatorStateHandle.Mode.SPLIT_DISTRIBUTE)),
        new ByteStreamStateHandle(handleName, bytes));
  }
}
