package dev.dualstream.trainer.job;

import dev.dualstream.trainer.checkpoint.CorruptCheckpointException;
import dev.dualstream.trainer.checkpoint.LinkStore;
import dev.dualstream.trainer.checkpoint.StateArchive;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.runtime.state.StatePartitionStreamProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the trainer (weights, optimizer state and whatever else its checkpoint directory holds, its
 * students' checkpoints included) between a live {@link Classroom} and Flink's raw operator state stream.
 *
 * <p>Why raw operator state and not managed state or a file of our own: at default sizes the model
 * and its Adam moments are about 0.8 GB. Managed list state would hold all of it as one byte
 * array on the heap, twice during a snapshot, and Java arrays stop at 2 GB. A file of our own
 * beside the checkpoint, with its path and checksum in managed state, would need its own garbage
 * collection that knows which checkpoints Flink still retains, and a savepoint would point into
 * a checkpoint directory that is later cleaned. The raw state stream is a file that Flink itself
 * creates in the checkpoint directory, retains, subsumes, and copies into savepoints; it is
 * written sequentially with no second heap copy. Managed state keeps the stream's length and
 * SHA-256 ({@link TrainingSnapshot}), so the two halves of a checkpoint are checked against each
 * other on restore.
 *
 * <p>The cost: the trainer writes its checkpoint directory to local scratch space first (its API
 * is file-based), which is then streamed into the checkpoint, so a snapshot writes the model
 * twice; the operator does not train while it runs.
 */
final class TrainerArchive {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerArchive.class);
  private TrainerArchive() {}

  /** Writes the trainer's state to {@code out} through the scratch directory {@code dir}, deleted after. */
  static StateArchive.Digest save(Classroom classroom, Map<String, String> provenance, Path dir,
      OutputStream out) throws IOException {
    try {
      long start = System.nanoTime();
      classroom.saveCheckpoint(dir, provenance, ArrayFile.Durability.SCRATCH);
      long saved = System.nanoTime();
      StateArchive.Digest digest = StateArchive.write(dir, out);
      LOG.info("trainer state: files written in {} ms, archived into the checkpoint in {} ms",
          (saved - start) / 1_000_000, (System.nanoTime() - saved) / 1_000_000);
      return digest;
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Writes an archive of nothing to {@code out}: the raw half of an incremental checkpoint, whose trainer state
   * is in its links, stays a valid archive that its managed half's digest checks.
   */
  static StateArchive.Digest saveEmpty(Path dir, OutputStream out) throws IOException {
    try {
      Files.createDirectories(dir);
      return StateArchive.write(dir, out);
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Writes the trainer's state as the link {@code name} of an incremental checkpoint: whole when {@code full},
   * else the rows changed since the previous link ({@link Classroom#saveCheckpointDelta}), through the scratch
   * directory {@code dir}, deleted after.
   */
  static TrainingSnapshot.Link saveLink(Classroom classroom, Map<String, String> provenance, Path dir, LinkStore store,
      String name, List<TrainingSnapshot.Link> before) throws IOException {
    try {
      long start = System.nanoTime();
      if (before.isEmpty()) {
        classroom.saveCheckpointBase(dir, provenance, ArrayFile.Durability.SCRATCH);
      } else {
        classroom.saveCheckpointDelta(dir, provenance, ArrayFile.Durability.SCRATCH);
      }
      long saved = System.nanoTime();
      TrainingSnapshot.Link link = store.write(name, dir, before);
      LOG.info("trainer state: {} link {} of {} MB, files written in {} ms, archived in {} ms",
          before.isEmpty() ? "full" : "delta", link.file(), link.bytes() >> 20, (saved - start) / 1_000_000,
          (System.nanoTime() - saved) / 1_000_000);
      return link;
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Restores a trainer and its students from the links of an incremental checkpoint, each checked against its
   * length and SHA-256 before anything is restored.
   *
   * @throws CorruptCheckpointException naming the first link that is missing or damaged
   */
  static Classroom restoreChain(TrainingSnapshot.Chain chain, List<StudentSpec> students, Path dir, String source)
      throws IOException {
    LinkStore store = new LinkStore(Path.of(chain.store()));
    try {
      store.verify(chain.links(), source);
      return Classroom.restore(store.unpack(chain.links(), dir, source), students);
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Restores a trainer and its students from the raw state of a checkpoint, checking the archive against
   * {@code expected}.
   *
   * @param source names the checkpoint in error messages
   * @throws CorruptCheckpointException if the archive is missing or damaged
   */
  static Classroom restore(Iterable<StatePartitionStreamProvider> inputs, TrainingSnapshot expected,
      List<StudentSpec> students, Path dir, String source) throws IOException {
    Iterator<StatePartitionStreamProvider> it = inputs.iterator();
    if (!it.hasNext()) {
      throw new CorruptCheckpointException(source + " holds the trainer's counters but no model archive");
    }
    Files.createDirectories(dir);
    try {
      try (InputStream in = it.next().getStream()) {
        StateArchive.read(in, dir, new StateArchive.Digest(expected.archiveBytes(), expected.archiveSha256()), source);
      }
      return Classroom.restore(dir, students);
    } finally {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
