package dev.dualstream.trainer.checkpoint;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.OperatorStateHandle;

/**
 * Finds retained checkpoints and savepoints of the training job and verifies them before a
 * restore: the metadata must load, the trainer's managed state must decode, and its model archive
 * must pass its CRCs and match the length and SHA-256 that the managed state recorded, as must every link of
 * an incremental checkpoint's chain ({@link LinkStore}). A damaged
 * checkpoint is refused with a message naming the damaged file; on request the newest older one
 * that verifies is used instead.
 *
 * <p>A path may name a checkpoint or savepoint directory, its {@code _metadata} file, a job's
 * checkpoint directory ({@code <dir>/<job id>}) or the checkpoint root ({@code <dir>}); for the
 * last two the newest retained checkpoint is taken, newest by the time its metadata was written.
 */
public final class CheckpointLocator {
  /** Uid of the training operator; its state is what a restore needs. */
  public static final String TRAINING_OPERATOR_UID = "train";
  /** Name of the managed list state holding the {@link TrainingSnapshot}. */
  public static final String TRAINING_STATE_NAME = "training-state";
  static final String METADATA = "_metadata";

  private CheckpointLocator() {}

  /**
   * A checkpoint that verified.
   *
   * @param directory the checkpoint or savepoint directory
   * @param checkpointId its id
   * @param state the trainer's managed state in it
   * @param skipped one line per newer checkpoint passed over because it did not verify
   */
  public record Verified(Path directory, long checkpointId, TrainingSnapshot state, List<String> skipped) {
    public Verified {
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * The checkpoint to restore from {@code path}.
   *
   * @param fallback when the newest candidate is damaged, use the newest older one that verifies
   * @throws CorruptCheckpointException if the chosen checkpoint is damaged (and, with fallback,
   *     every older one too); the message names the damaged file
   * @throws IllegalArgumentException if {@code path} holds no checkpoint at all
   */
  public static Verified resolve(Path path, boolean fallback) throws CorruptCheckpointException {
    List<Path> candidates = candidates(path);
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no retained checkpoint or savepoint under " + path
          + " (a checkpoint directory holds a " + METADATA + " file)");
    }
    List<String> skipped = new ArrayList<>();
    for (Path candidate : candidates) {
      try {
        Verified v = verify(candidate);
        return new Verified(v.directory(), v.checkpointId(), v.state(), skipped);
      } catch (CorruptCheckpointException e) {
        if (!fallback) {
          throw e;
        }
        skipped.add(e.getMessage());
      }
    }
    throw new CorruptCheckpointException("no checkpoint under " + path + " verifies: " + String.join("; ", skipped));
  }

  /** Verifies one checkpoint or savepoint directory; see the class comment. */
  public static Verified verify(Path checkpointDir) throws CorruptCheckpointException {
    Path metadataFile = checkpointDir.resolve(METADATA);
    if (!Files.isRegularFile(metadataFile)) {
      throw new CorruptCheckpointException(checkpointDir + " has no " + METADATA + " file: it is not a complete checkpoint");
    }
    CheckpointMetadata metadata;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(metadataFile))) {
      metadata = Checkpoints.loadCheckpointMetadata(in, CheckpointLocator.class.getClassLoader(),
          checkpointDir.toAbsolutePath().toUri().toString());
    } catch (IOException | RuntimeException e) {
      throw new CorruptCheckpointException("cannot read checkpoint metadata " + metadataFile + ": " + e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      // Flink's metadata reader allocates what a length prefix asks for (inline state of up to
      // 2 GiB, lists of up to 2^31 entries) before reading it, and it cannot be bounded from
      // outside. One such request that the heap cannot meet fails before anything is taken, so
      // it is reported as the damaged file it comes from, not as the end of the JVM.
      throw new CorruptCheckpointException("cannot read checkpoint metadata " + metadataFile
          + ": a length in it asks for more memory than the heap has (" + e.getMessage() + ")", e);
    }
    OperatorSubtaskState trainer = trainerState(metadata, metadataFile);
    TrainingSnapshot state = managedState(trainer, metadataFile);
    verifyArchive(trainer, state, metadataFile);
    if (!state.chain().isEmpty()) {
      try {
        new LinkStore(Path.of(state.chain().store())).verify(state.chain().links(), checkpointDir.toString());
      } catch (CorruptCheckpointException e) {
        throw e;
      } catch (IOException e) {
        throw new CorruptCheckpointException("cannot read the links of " + checkpointDir + ": " + e.getMessage(), e);
      }
    }
    return new Verified(checkpointDir, metadata.getCheckpointId(), state, List.of());
  }

  /** Checkpoint directories under {@code path}, newest first; see the class comment. */
  public static List<Path> candidates(Path path) {
    Path dir = path.getFileName() != null && path.getFileName().toString().equals(METADATA) ? path.getParent() : path;
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(path + " does not exist or is not a directory");
    }
    if (Files.isRegularFile(dir.resolve(METADATA))) {
      List<Path> result = new ArrayList<>(List.of(dir));
      Optional.ofNullable(dir.getParent()).ifPresent(parent -> {
        long id = checkpointNumber(dir);
        checkpointsIn(parent).stream().filter(c -> checkpointNumber(c) < id).forEach(result::add);
      });
      return result;
    }
    List<Path> found = new ArrayList<>(checkpointsIn(dir));
    for (Path child : list(dir)) {
      if (Files.isDirectory(child)) {
        found.addAll(checkpointsIn(child));
      }
    }
    found.sort(Comparator.comparing(CheckpointLocator::metadataTime).thenComparing(CheckpointLocator::checkpointNumber)
        .reversed());
    return found;
  }

  private static List<Path> checkpointsIn(Path dir) {
    List<Path> found = new ArrayList<>();
    for (Path child : list(dir)) {
      if (child.getFileName().toString().startsWith("chk-") && Files.isRegularFile(child.resolve(METADATA))) {
        found.add(child);
      }
    }
    found.sort(Comparator.comparing(CheckpointLocator::checkpointNumber).reversed());
    return found;
  }

  private static List<Path> list(Path dir) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(children::add);
    } catch (NoSuchFileException e) {
      return children; // a checkpoint Flink has just subsumed and deleted
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return children;
  }

  private static long checkpointNumber(Path dir) {
    String name = dir.getFileName().toString();
    return name.matches("chk-\\d{1,18}") ? Long.parseLong(name.substring(4)) : Long.MAX_VALUE;
  }

  private static long metadataTime(Path dir) {
    try {
      return Files.getLastModifiedTime(dir.resolve(METADATA)).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static OperatorSubtaskState trainerState(CheckpointMetadata metadata, Path metadataFile)
      throws CorruptCheckpointException {
    OperatorState byUid = null;
    List<OperatorState> withRawState = new ArrayList<>();
    for (OperatorState op : metadata.getOperatorStates()) {
      if (op.getOperatorUid().filter(TRAINING_OPERATOR_UID::equals).isPresent()) {
        byUid = op;
      }
      if (op.getStates().stream().anyMatch(s -> !s.getRawOperatorState().isEmpty())) {
        withRawState.add(op);
      }
    }
    OperatorState op = byUid != null ? byUid : withRawState.size() == 1 ? withRawState.get(0) : null;
    OperatorSubtaskState subtask = op == null ? null : op.getState(0);
    if (subtask == null || subtask.getManagedOperatorState().isEmpty() || subtask.getRawOperatorState().isEmpty()) {
      throw new CorruptCheckpointException(metadataFile + " holds no trainer state: not a checkpoint of the training job,"
          + " or one taken before its training operator started");
    }
    return subtask;
  }

  private static TrainingSnapshot managedState(OperatorSubtaskState subtask, Path metadataFile)
      throws CorruptCheckpointException {
    for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
      OperatorStateHandle.StateMetaInfo info = handle.getStateNameToPartitionOffsets().get(TRAINING_STATE_NAME);
      if (info == null || info.getOffsets().length == 0) {
        continue;
      }
      String file = describe(handle, metadataFile);
      try (FSDataInputStream in = handle.openInputStream()) {
        in.seek(info.getOffsets()[0]);
        return TrainingSnapshotSerializer.INSTANCE.deserialize(new DataInputViewStreamWrapper(in));
      } catch (NoSuchFileException e) {
        throw new CorruptCheckpointException("the trainer's state file " + file + " is missing", e);
      } catch (IOException | RuntimeException e) {
        throw new CorruptCheckpointException("cannot decode the trainer's state in " + file + ": "
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
      }
    }
    throw new CorruptCheckpointException(metadataFile + " has no '" + TRAINING_STATE_NAME + "' state for the trainer");
  }

  private static void verifyArchive(OperatorSubtaskState subtask, TrainingSnapshot state, Path metadataFile)
      throws CorruptCheckpointException {
    OperatorStateHandle handle = subtask.getRawOperatorState().iterator().next();
    String file = describe(handle, metadataFile);
    try (FSDataInputStream in = handle.openInputStream()) {
      handle.getStateNameToPartitionOffsets().values().stream()
          .filter(info -> info.getOffsets().length > 0).findFirst()
          .ifPresent(info -> seek(in, info.getOffsets()[0]));
      StateArchive.verify(in, new StateArchive.Digest(state.archiveBytes(), state.archiveSha256()), file);
    } catch (CorruptCheckpointException e) {
      throw e;
    } catch (NoSuchFileException e) {
      throw new CorruptCheckpointException("the trainer's model state file " + file + " is missing", e);
    } catch (IOException | RuntimeException e) {
      throw new CorruptCheckpointException("cannot read the trainer's model state " + file + ": " + e.getMessage(), e);
    }
  }

  private static void seek(FSDataInputStream in, long offset) {
    try {
      in.seek(offset);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String describe(OperatorStateHandle handle, Path metadataFile) {
    return handle.getDelegateStateHandle().maybeGetPath()
        .map(p -> p.toUri().getScheme() == null || "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString())
        .orElse(metadataFile + " (inline)");
  }
}
