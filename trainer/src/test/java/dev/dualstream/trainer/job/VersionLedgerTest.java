package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.checkpoint.TrainingSnapshot.PendingVersion;
import dev.dualstream.trainer.model.VersionLease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When versions are committed, announced, kept and removed, without a trainer: directories stand in for versions. */
class VersionLedgerTest {
  private static final String MODEL = "m";

  @Test
  void anAnnouncementWaitsForTheFirstCheckpointThatHoldsTheVersion(@TempDir Path store) throws IOException {
    ModelPublisher publisher = new ModelPublisher(store, MODEL, 1, 0);
    VersionLedger ledger = VersionLedger.fresh(publisher);
    write(publisher, ledger, 1);
    assertEquals(List.of(), texts(ledger.checkpointCompleted(4, true)), "no checkpoint holds it yet");
    ledger.checkpointing(5);
    write(publisher, ledger, 2);
    ledger.checkpointing(6); // aborted later; a lost notification for 5 is covered by 6 too
    write(publisher, ledger, 3);
    assertEquals(List.of("v1", "v2"), texts(ledger.checkpointCompleted(6, true)));
    assertEquals(List.of(3L), ledger.snapshot().stream().map(PendingVersion::version).toList());
    assertTrue(Files.exists(publisher.versionDir(2).resolve(VersionLedger.COMMITTED_MARKER)));
    assertFalse(Files.exists(publisher.versionDir(3).resolve(VersionLedger.COMMITTED_MARKER)));
  }

  /**
   * Before a barrier the versions written since the last one are announced into that checkpoint's transaction
   * and tagged with it; its completion marks them, and a restore from it does not announce them again.
   */
  @Test
  void versionsAreAnnouncedWithTheFirstCheckpointThatHoldsThem(@TempDir Path store) throws IOException {
    ModelPublisher publisher = new ModelPublisher(store, MODEL, 1, 0);
    VersionLedger ledger = VersionLedger.fresh(publisher);
    write(publisher, ledger, 1);
    write(publisher, ledger, 2);
    assertEquals(List.of("v1", "v2"), texts(ledger.announceWith(5)));
    ledger.checkpointing(5);
    write(publisher, ledger, 3);
    assertEquals(List.of("v3"), texts(ledger.announceWith(6)), "each record once");
    ledger.checkpointing(6);
    List<PendingVersion> atSix = ledger.snapshot();
    assertEquals(List.of(5L, 5L, 6L), atSix.stream().map(PendingVersion::checkpointId).toList());
    assertTrue(atSix.stream().allMatch(PendingVersion::announced));
    assertFalse(Files.exists(publisher.versionDir(1).resolve(VersionLedger.COMMITTED_MARKER)));
    assertEquals(List.of(), texts(ledger.checkpointCompleted(5, true)), "already in checkpoint 5's transaction");
    assertTrue(Files.exists(publisher.versionDir(2).resolve(VersionLedger.COMMITTED_MARKER)));
    assertFalse(Files.exists(publisher.versionDir(3).resolve(VersionLedger.COMMITTED_MARKER)));
    VersionLedger restored = VersionLedger.restored(new ModelPublisher(store, MODEL, 1, 0), 3, atSix);
    assertEquals(List.of(), texts(restored.afterRestore()), "Flink commits checkpoint 6's transaction on recovery");
    assertTrue(Files.exists(publisher.versionDir(3).resolve(VersionLedger.COMMITTED_MARKER)));
  }

  @Test
  void atTheEndOfInputEverythingGoesIntoTheFinalTransactionAndIsMarkedByTheFinalCheckpoint(@TempDir Path store)
      throws IOException {
    ModelPublisher publisher = new ModelPublisher(store, MODEL, 1, 0);
    VersionLedger ledger = VersionLedger.fresh(publisher);
    write(publisher, ledger, 1);
    write(publisher, ledger, 2);
    assertEquals(List.of("v1", "v2"), texts(ledger.endOfInput()));
    ledger.checkpointing(9);
    assertEquals(List.of(), texts(ledger.checkpointCompleted(9, false)), "nothing emitted twice");
    assertTrue(Files.exists(publisher.versionDir(2).resolve(VersionLedger.COMMITTED_MARKER)));
    assertEquals(List.of(), ledger.snapshot());
  }

  @Test
  void goingBackPastCommittedVersionsKeepsThemAndNeverReusesTheirNumbers(@TempDir Path store) throws IOException {
    Path model = store.resolve(MODEL);
    for (long v = 1; v <= 4; v++) {
      Files.createDirectories(model.resolve(Long.toString(v)));
    }
    Files.createFile(model.resolve("3").resolve(VersionLedger.COMMITTED_MARKER));
    Files.createDirectories(model.resolve(".5.tmp-123"));
    List<PendingVersion> restored = List.of(new PendingVersion(2, 7, false, "v2".getBytes(StandardCharsets.UTF_8)));

    ModelPublisher publisher = new ModelPublisher(store, MODEL, 1, 0);
    VersionLedger ledger = VersionLedger.restored(publisher, 2, restored);

    assertTrue(Files.isDirectory(model.resolve("3")), "committed in a later checkpoint: kept");
    assertFalse(Files.exists(model.resolve("4")), "never committed: removed");
    assertFalse(Files.exists(model.resolve(".5.tmp-123")), "half-written: removed");
    assertTrue(Files.isDirectory(model.resolve("1")), "at or below the restored version: kept");
    assertEquals(3, ledger.lastVersion(), "numbering continues after the highest committed version");
    assertEquals(List.of("v2"), texts(ledger.afterRestore()));
    assertTrue(Files.exists(model.resolve("2").resolve(VersionLedger.COMMITTED_MARKER)));
  }

  @Test
  void aFailoverBeforeAnyCheckpointCompletedRemovesWhatTheFailedAttemptWrote(@TempDir Path store)
      throws IOException {
    Path model = store.resolve(MODEL);
    Files.createDirectories(model.resolve("1"));
    Files.createFile(model.resolve("1").resolve(VersionLedger.COMMITTED_MARKER));
    Files.createDirectories(model.resolve("2")); // the failed attempt's, never committed
    Files.createDirectories(model.resolve(".3.tmp-9"));

    VersionLedger ledger = VersionLedger.fresh(new ModelPublisher(store, MODEL, 1, 0));

    assertTrue(Files.isDirectory(model.resolve("1")), "committed: kept");
    assertFalse(Files.exists(model.resolve("2")), "never committed, no state holds it: removed");
    assertFalse(Files.exists(model.resolve(".3.tmp-9")), "half-written: removed");
    assertEquals(1, ledger.lastVersion(), "the next attempt writes version 2 again");
  }

  @Test
  void retentionKeepsTheNewestCommittedVersionsThoseLeasedAndThosePending(@TempDir Path store) throws Exception {
    ModelPublisher publisher = new ModelPublisher(store, MODEL, 1, 2);
    VersionLedger ledger = VersionLedger.fresh(publisher);
    for (long v = 1; v <= 4; v++) {
      write(publisher, ledger, v);
    }
    ledger.checkpointing(1);
    write(publisher, ledger, 5); // pending: no checkpoint holds it yet
    try (VersionLease lease = VersionLease.take(publisher.versionDir(1), "test-reader")) {
      ledger.checkpointCompleted(1, true);
      assertTrue(Files.isDirectory(publisher.versionDir(1)), "leased by a live process: kept");
      assertFalse(Files.exists(publisher.versionDir(2)), "committed, older than the newest two: removed");
      assertTrue(Files.isDirectory(publisher.versionDir(3)));
      assertTrue(Files.isDirectory(publisher.versionDir(4)));
      assertTrue(Files.isDirectory(publisher.versionDir(5)), "pending: never removed");
    }
    assertEquals(List.of(1L), ledger.pruneCommitted(), "released: removed at the next pruning");
  }

  @Test
  void aLeaseOfAProcessThatIsGoneHoldsNothing(@TempDir Path store) throws Exception {
    Path version = store.resolve("7");
    Files.createDirectories(version);
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    try (VersionLease mine = VersionLease.take(version, "reader")) {
      String host = onlyLease(version).split("@", 3)[1];
      Files.writeString(version.resolve(VersionLease.DIRECTORY).resolve(gone.pid() + "@" + host + "@reader"), "");
      assertTrue(VersionLease.isHeld(version), "this process holds it");
    }
    assertFalse(VersionLease.isHeld(version), "only a dead process's lease is left");
    assertEquals(0, Files.list(version.resolve(VersionLease.DIRECTORY)).count(), "and it was cleaned up");
    assertThrows(IllegalArgumentException.class, () -> VersionLease.take(store.resolve("8"), "reader"));
  }

  private static String onlyLease(Path version) throws IOException {
    try (var leases = Files.list(version.resolve(VersionLease.DIRECTORY))) {
      return leases.findFirst().orElseThrow().getFileName().toString();
    }
  }

  private static void write(ModelPublisher publisher, VersionLedger ledger, long version) throws IOException {
    Files.createDirectories(publisher.versionDir(version));
    publisher.continueAfter(version);
    ledger.written(version, ("v" + version).getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> texts(List<byte[]> records) {
    return records.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }
}
