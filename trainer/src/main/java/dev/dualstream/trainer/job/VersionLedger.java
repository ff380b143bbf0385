package dev.dualstream.trainer.job;

import dev.dualstream.trainer.checkpoint.TrainingSnapshot.PendingVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.dualstream.trainer.model.VersionLease;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a written model version is announced, so that {@code models.versions} never names
 * a version whose training state could still be rolled back.
 *
 * <p>A version is written (atomically, by {@link ModelPublisher}) when training reaches it, and
 * stays pending. Before the next checkpoint's barrier its record is emitted into the exactly-once sink
 * ({@link #announceWith}) and the version is tagged with that checkpoint's id: the record is in the
 * transaction of the first checkpoint that holds the version's state, so readers of committed data see it
 * as soon as that checkpoint completes, and never if it does not (the transaction then commits with a later
 * checkpoint that holds the state too, or aborts with a failed attempt). When the checkpoint completes, the
 * version is committed: a {@value #COMMITTED_MARKER} file goes into its directory. Pending versions are
 * part of the checkpointed state. After a restore every pending version in the restored state is committed
 * (its checkpoint completed) and announced again unless it was already announced in that checkpoint's own
 * transaction (Flink commits that transaction on recovery); the aborted transaction of the failed attempt
 * held no other copy. Versions in the store above the restored state's last version (with
 * no restored state: any version) and without a marker were written after the restored checkpoint:
 * they are deleted, and training writes them again. At the end of a bounded input no later
 * checkpoint can commit a version before the sink closes, so everything pending is emitted at once
 * into the final transaction, which commits only with the final checkpoint that holds this state.
 *
 * <p>Students' versions are written at the teacher's steps under the teacher's numbers, each in its
 * own model directory, and share the teacher's entries: their markers, announcements (after the
 * teacher's), removal and retention follow the teacher's version of the same number.
 */
final class VersionLedger {
  static final String COMMITTED_MARKER = "COMMITTED";
  private static final Logger LOG = LoggerFactory.getLogger(VersionLedger.class);

  private final ModelPublisher publisher;
  private final List<ModelPublisher> students;
  private final List<Entry> pending = new ArrayList<>();

  private VersionLedger(ModelPublisher publisher, List<ModelPublisher> students) {
    this.publisher = publisher;
    this.students = List.copyOf(students);
  }

  /** The teacher's publisher, then the students'. */
  private List<ModelPublisher> all() {
    List<ModelPublisher> all = new ArrayList<>(1 + students.size());
    all.add(publisher);
    all.addAll(students);
    return all;
  }

  /**
   * A job without restored state: a new job, or a failover before any checkpoint completed. Then
   * no version in the store without a commit marker can ever be committed (no state holds it as
   * pending) or has been announced (announcements follow the marker, or sit in a transaction that
   * only the never-completed checkpoint would have committed): such versions, written by the failed
   * attempt, are removed, and numbering continues after the highest committed version. Without
   * this, an attempt that wrote version 1 and failed before its first checkpoint completed would
   * make the next attempt start at version 2, leaving 1 uncommitted and unannounced.
   */
  static VersionLedger fresh(ModelPublisher publisher) {
    return fresh(publisher, List.of());
  }

  /** As {@link #fresh(ModelPublisher)}, for a teacher and its students. */
  static VersionLedger fresh(ModelPublisher publisher, List<ModelPublisher> students) {
    VersionLedger ledger = new VersionLedger(publisher, students);
    ledger.continueAfter(ledger.removeUncommittedAfter(0));
    return ledger;
  }

  /** Every model's next version gets number {@code version + 1}. */
  private void continueAfter(long version) {
    all().forEach(p -> p.continueAfter(version));
  }

  /**
   * A restored job: cleans up what the failed attempt wrote after the checkpoint, commits the
   * restored pending versions, and continues numbering after the last restored version, or after
   * the highest committed one if the restore went back past committed versions.
   */
  static VersionLedger restored(ModelPublisher publisher, long lastVersion, List<PendingVersion> restored) {
    return restored(publisher, List.of(), lastVersion, restored);
  }

  /** As {@link #restored(ModelPublisher, long, List)}, for a teacher and its students. */
  static VersionLedger restored(ModelPublisher publisher, List<ModelPublisher> students, long lastVersion,
      List<PendingVersion> restored) {
    VersionLedger ledger = new VersionLedger(publisher, students);
    long highestCommitted = ledger.removeUncommittedAfter(lastVersion);
    ledger.continueAfter(Math.max(lastVersion, highestCommitted));
    for (PendingVersion p : restored) {
      Entry e = new Entry(p.version(), p.checkpointId(), p.announced(), p.announcement(), p.studentAnnouncements());
      ledger.pending.add(e);
    }
    return ledger;
  }

  /** Records a version just written; it is announced once a checkpoint holding it completes. */
  void written(long version, byte[] announcement) {
    written(version, announcement, List.of());
  }

  /** Records a teacher's version and its students' versions of the same number, written just now. */
  void written(long version, byte[] announcement, List<byte[]> studentAnnouncements) {
    pending.add(new Entry(version, -1, false, announcement, studentAnnouncements));
  }

  /**
   * Before checkpoint {@code checkpointId}'s barrier: tags the untagged pending versions with it and returns
   * their records, to be emitted now, into the transaction that commits with that checkpoint.
   */
  List<byte[]> announceWith(long checkpointId) {
    List<byte[]> emit = new ArrayList<>();
    for (Entry e : pending) {
      if (e.checkpointId < 0) {
        e.checkpointId = checkpointId;
        if (!e.announced) {
          emit.addAll(e.records());
          e.announced = true;
        }
      }
    }
    return emit;
  }

  /** Tags the untagged pending versions with the checkpoint now being taken. */
  void checkpointing(long checkpointId) {
    pending.stream().filter(e -> e.checkpointId < 0).forEach(e -> e.checkpointId = checkpointId);
  }

  /**
   * Commits the versions that checkpoint {@code checkpointId} (or an earlier one) holds and returns
   * the records to emit now, oldest first: those not announced with their checkpoint ({@link #announceWith}),
   * which only a state restored from an older release holds. With {@code mayEmit} false (the operator has
   * finished) nothing is returned; everything was emitted at the end of input.
   */
  List<byte[]> checkpointCompleted(long checkpointId, boolean mayEmit) {
    List<byte[]> emit = new ArrayList<>();
    for (Iterator<Entry> it = pending.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.checkpointId < 0 || e.checkpointId > checkpointId) {
        continue;
      }
      markCommitted(e.version);
      if (!e.announced && mayEmit) {
        emit.addAll(e.records());
        e.announced = true;
      }
      if (e.announced) {
        it.remove();
      }
    }
    pruneCommitted();
    return emit;
  }

  /**
   * Retention: deletes the committed versions older than the newest {@code keepVersions} committed ones,
   * except those a reader holds a {@link VersionLease} on. Pending versions are never deleted: they are not
   * committed yet. Returns the versions deleted.
   */
  List<Long> pruneCommitted() {
    List<Long> deleted = new ArrayList<>();
    for (ModelPublisher model : all()) {
      deleted.addAll(pruneCommitted(model));
    }
    return deleted;
  }

  private static List<Long> pruneCommitted(ModelPublisher publisher) {
    int keep = publisher.keepVersions();
    List<Long> deleted = new ArrayList<>();
    if (keep == 0) {
      return deleted;
    }
    Path dir = publisher.modelDir();
    List<Long> committed = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.matches("\\d{1,18}") && Files.exists(entry.resolve(COMMITTED_MARKER))) {
          committed.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the versions in " + dir, e);
    }
    committed.sort(Comparator.reverseOrder());
    for (long version : committed.subList(Math.min(keep, committed.size()), committed.size())) {
      Path versionDir = publisher.versionDir(version);
      if (VersionLease.isHeld(versionDir)) {
        continue;
      }
      try {
        TrainerArchive.deleteTree(versionDir);
      } catch (IOException e) {
        // a reader's files may vanish under it, or the disk may refuse: retention tries again next time
        LOG.warn("could not remove model version {} yet: {}", version, e.toString());
        continue;
      }
      deleted.add(version);
    }
    if (!deleted.isEmpty()) {
      LOG.info("removed versions {} of {}: the store keeps the newest {} committed ones and those in use",
          deleted, publisher.modelDir().getFileName(), keep);
    }
    return deleted;
  }

  /**
   * After a restore: every pending version of the restored state was in a completed checkpoint.
   * Marks them committed and returns the records that checkpoint had not announced yet.
   */
  List<byte[]> afterRestore() {
    List<byte[]> emit = new ArrayList<>();
    for (Entry e : pending) {
      markCommitted(e.version);
      if (!e.announced) {
        emit.addAll(e.records());
      }
    }
    pending.clear();
    return emit;
  }

  /** End of a bounded input: returns every record not yet announced; markers follow the final checkpoint. */
  List<byte[]> endOfInput() {
    List<byte[]> emit = new ArrayList<>();
    for (Entry e : pending) {
      if (!e.announced) {
        emit.addAll(e.records());
        e.announced = true;
      }
    }
    return emit;
  }

  /** The pending versions, for the checkpoint. */
  List<PendingVersion> snapshot() {
    return pending.stream()
        .map(e -> new PendingVersion(e.version, e.checkpointId, e.announced, e.announcement, e.studentAnnouncements))
        .toList();
  }

  long lastVersion() {
    return publisher.lastVersion();
  }

  ModelPublisher publisher() {
    return publisher;
  }

  /** The publisher of the student named so. */
  ModelPublisher student(String name) {
    return students.stream().filter(p -> p.modelDir().getFileName().toString().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no student " + name));
  }

  private void markCommitted(long version) {
    for (ModelPublisher model : all()) {
      try {
        Files.createFile(model.versionDir(version).resolve(COMMITTED_MARKER));
      } catch (FileAlreadyExistsException e) {
        // committed before a failure; nothing to do
      } catch (IOException e) {
        throw new UncheckedIOException("cannot mark version " + version + " of " + model.modelDir() + " committed", e);
      }
    }
  }

  /**
   * Deletes every model's unmarked versions above {@code lastVersion} and stray temporary directories; returns
   * the teacher's highest committed version.
   */
  private long removeUncommittedAfter(long lastVersion) {
    long highest = 0;
    for (ModelPublisher model : all()) {
      long committed = removeUncommittedAfter(model.modelDir(), lastVersion);
      highest = model == publisher ? committed : highest;
    }
    return highest;
  }

  private static long removeUncommittedAfter(Path dir, long lastVersion) {
    long highestCommitted = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".") && name.contains(".tmp-")) {
          TrainerArchive.deleteTree(entry);
        } else if (name.matches("\\d{1,18}") && Files.isDirectory(entry)) {
          long version = Long.parseLong(name);
          boolean committed = Files.exists(entry.resolve(COMMITTED_MARKER));
          if (committed) {
            highestCommitted = Math.max(highestCommitted, version);
          } else if (version > lastVersion) {
            LOG.info("removing model version {}: written after the restored state (or by an attempt with none),"
                + " never committed", version);
            TrainerArchive.deleteTree(entry);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up uncommitted versions in " + dir, e);
    }
    return highestCommitted;
  }

  private static final class Entry {
    final long version;
    long checkpointId;
    boolean announced;
    final byte[] announcement;
    final List<byte[]> studentAnnouncements;

    Entry(long version, long checkpointId, boolean announced, byte[] announcement, List<byte[]> studentAnnouncements) {
      this.version = version;
      this.checkpointId = checkpointId;
      this.announced = announced;
      this.announcement = announcement;
      this.studentAnnouncements = List.copyOf(studentAnnouncements);
    }

    /** The teacher's record, then the students'. */
    List<byte[]> records() {
      List<byte[]> records = new ArrayList<>(1 + studentAnnouncements.size());
      records.add(announcement);
      records.addAll(studentAnnouncements);
      return records;
    }
  }
}
