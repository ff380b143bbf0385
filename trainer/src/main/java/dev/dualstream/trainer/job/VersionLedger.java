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
 * stays pending. The next checkpoint tags it with its id. When that checkpoint completes, the
 * version is committed: a {@value #COMMITTED_MARKER} file goes into its directory and its record is
 * emitted into the exactly-once sink, whose transaction commits with the following checkpoint.
 * Pending versions are part of the checkpointed state. After a restore every pending version in
 * the restored state is committed (its checkpoint completed) and announced again unless it was
 * already announced in that checkpoint's own transaction; the aborted transaction of the failed
 * attempt held no other copy. Versions in the store above the restored state's last version (with
 * no restored state: any version) and without a marker were written after the restored checkpoint:
 * they are deleted, and training writes them again. At the end of a bounded input no later
 * checkpoint can commit a version before the sink closes, so everything pending is emitted at once
 * into the final transaction, which commits only with the final checkpoint that holds this state.
 */
final class VersionLedger {
  static final String COMMITTED_MARKER = "COMMITTED";
  private static final Logger LOG = LoggerFactory.getLogger(VersionLedger.class);

  private final ModelPublisher publisher;
  private final List<Entry> pending = new ArrayList<>();

  private VersionLedger(ModelPublisher publisher) {
    this.publisher = publisher;
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
    VersionLedger ledger = new VersionLedger(publisher);
    publisher.continueAfter(ledger.removeUncommittedAfter(0));
    return ledger;
  }

  /**
   * A restored job: cleans up what the failed attempt wrote after the checkpoint, commits the
   * restored pending versions, and continues numbering after the last restored version, or after
   * the highest committed one if the restore went back past committed versions.
   */
  static VersionLedger restored(ModelPublisher publisher, long lastVersion, List<PendingVersion> restored) {
    VersionLedger ledger = new VersionLedger(publisher);
    long highestCommitted = ledger.removeUncommittedAfter(lastVersion);
    publisher.continueAfter(Math.max(lastVersion, highestCommitted));
    for (PendingVersion p : restored) {
      Entry e = new Entry(p.version(), p.checkpointId(), p.announced(), p.announcement());
      ledger.pending.add(e);
    }
    return ledger;
  }

  /** Records a version just written; it is announced once a checkpoint holding it completes. */
  void written(long version, byte[] announcement) {
    pending.add(new Entry(version, -1, false, announcement));
  }

  /** Tags the untagged pending versions with the checkpoint now being taken. */
  void checkpointing(long checkpointId) {
    pending.stream().filter(e -> e.checkpointId < 0).forEach(e -> e.checkpointId = checkpointId);
  }

  /**
   * Commits the versions that checkpoint {@code checkpointId} (or an earlier one) holds and returns
   * the records to emit now, oldest first. With {@code mayEmit} false (the operator has finished)
   * nothing is returned; everything was emitted at the end of input.
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
        emit.add(e.announcement);
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
      LOG.info("removed model versions {}: the store keeps the newest {} committed ones and those in use",
          deleted, keep);
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
        emit.add(e.announcement);
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
        emit.add(e.announcement);
        e.announced = true;
      }
    }
    return emit;
  }

  /** The pending versions, for the checkpoint. */
  List<PendingVersion> snapshot() {
    return pending.stream().map(e -> new PendingVersion(e.version, e.checkpointId, e.announced, e.announcement))
        .toList();
  }

  long lastVersion() {
    return publisher.lastVersion();
  }

  ModelPublisher publisher() {
    return publisher;
  }

  private void markCommitted(long version) {
    try {
      Files.createFile(publisher.versionDir(version).resolve(COMMITTED_MARKER));
    } catch (FileAlreadyExistsException e) {
      // committed before a failure; nothing to do
    } catch (IOException e) {
      throw new UncheckedIOException("cannot mark version " + version + " committed", e);
    }
  }

  /** Deletes unmarked versions above {@code lastVersion} and stray temporary directories; returns the highest committed. */
  private long removeUncommittedAfter(long lastVersion) {
    long highestCommitted = 0;
    Path dir = publisher.modelDir();
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

    Entry(long version, long checkpointId, boolean announced, byte[] announcement) {
      this.version = version;
      this.checkpointId = checkpointId;
      this.announced = announced;
      this.announcement = announcement;
    }
  }
}
