package dev.dualstream.trainer.checkpoint;

import dev.dualstream.trainer.model.TrainingPair;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Training snapshots for serializer tests, including the one frozen in the golden v1 blob. */
final class Snapshots {
  private Snapshots() {}

  /** The state encoded in {@code training-snapshot-v1.bin}; never change it. */
  static TrainingSnapshot goldenV1() {
    SortedMap<Integer, Long> offsets = new TreeMap<>();
    offsets.put(0, 1234L);
    offsets.put(2, 77L);
    byte[] sha = new byte[32];
    for (int i = 0; i < sha.length; i++) {
      sha[i] = (byte) (i * 7 + 1);
    }
    return new TrainingSnapshot("dual-encoder", 41, 1312,
        List.of(new TrainingPair(new int[] {1, 5, 9}, new int[] {2, 4}),
            new TrainingPair(new int[] {3}, new int[] {8, 16, 32}, 991L, new long[] {-4L, 12L},
                List.of(new int[] {7, 7}, new int[] {}))),
        "training.examples", offsets, 1_700_000_000_123L, 3, 40,
        List.of(new TrainingSnapshot.PendingVersion(3, 17, false, "version-3".getBytes(StandardCharsets.UTF_8))),
        829_441L, sha);
  }

  /** {@link #goldenV1()} with a replay section, as format 2 adds it. */
  static TrainingSnapshot goldenV2() {
    TrainingSnapshot s = goldenV1();
    return new TrainingSnapshot(s.modelName(), s.steps(), s.examplesApplied(), s.partialBatch(), s.inputTopic(),
        s.nextOffsets(), s.newestEventTimeMs(), s.lastVersion(), s.lastVersionStep(), s.pendingVersions(),
        s.archiveBytes(), s.archiveSha256(), new TrainingSnapshot.Replay(9, 288, 4, 0x1234_5678_9abc_def0L,
            List.of(new TrainingPair(new int[] {4}, new int[] {6, 6}),
                new TrainingPair(new int[] {5, 1}, new int[] {3}, -8L, new long[] {2L}, List.of(new int[] {1})))));
  }

  /** {@link #goldenV2()} with exposures below 1 on a partial-batch pair and a replayed one, as format 3 adds them. */
  static TrainingSnapshot goldenV3() {
    TrainingSnapshot s = goldenV2();
    List<TrainingPair> batch = List.of(s.partialBatch().get(0).withExposure(0.125), s.partialBatch().get(1));
    TrainingSnapshot.Replay r = s.replay();
    List<TrainingPair> replayed = List.of(r.contents().get(0), r.contents().get(1).withExposure(1.0 / 3));
    return new TrainingSnapshot(s.modelName(), s.steps(), s.examplesApplied(), batch, s.inputTopic(),
        s.nextOffsets(), s.newestEventTimeMs(), s.lastVersion(), s.lastVersionStep(), s.pendingVersions(),
        s.archiveBytes(), s.archiveSha256(), new TrainingSnapshot.Replay(r.steps(), r.examples(), r.capacity(),
            r.samplerState(), replayed));
  }

  /** Version 3's state, its pending versions carrying the announcements of two students. */
  static TrainingSnapshot goldenV4() {
    TrainingSnapshot s = goldenV3();
    List<TrainingSnapshot.PendingVersion> pending = s.pendingVersions().stream()
        .map(p -> new TrainingSnapshot.PendingVersion(p.version(), p.checkpointId(), p.announced(), p.announcement(),
            List.of(new byte[] {4, 5}, new byte[0])))
        .toList();
    return new TrainingSnapshot(s.modelName(), s.steps(), s.examplesApplied(), s.partialBatch(), s.inputTopic(),
        s.nextOffsets(), s.newestEventTimeMs(), s.lastVersion(), s.lastVersionStep(), pending, s.archiveBytes(),
        s.archiveSha256(), s.replay());
  }

  /** Format 5: format 4's snapshot as the first links of an incremental checkpoint hold it. */
  static TrainingSnapshot goldenV5() {
    byte[] sha = new byte[32];
    for (int i = 0; i < sha.length; i++) {
      sha[i] = (byte) (i * 7);
    }
    return goldenV4().withChain(new TrainingSnapshot.Chain("/var/checkpoints/trainer-links", List.of(
        new TrainingSnapshot.Link("job-0a1b-chk-12.link", 536_870_912L, sha),
        new TrainingSnapshot.Link("job-0a1b-chk-13.link", 4_096L, new byte[32]))));
  }

  static TrainingSnapshot empty() {
    return new TrainingSnapshot("m", 0, 0, List.of(), "t", new TreeMap<>(), 0, 0, 0, List.of(), 0, new byte[0]);
  }

  static TrainingSnapshot withManyPending() {
    List<TrainingSnapshot.PendingVersion> pending = List.of(
        new TrainingSnapshot.PendingVersion(10, -1, false, new byte[] {1, 2, 3}),
        new TrainingSnapshot.PendingVersion(11, 99, true, new byte[0]));
    SortedMap<Integer, Long> offsets = new TreeMap<>();
    offsets.put(7, Long.MAX_VALUE);
    return new TrainingSnapshot("model.with-dots_1", Long.MAX_VALUE, 5, List.of(), "prefixed.training.examples",
        offsets, -5, 11, 9, pending, 1, new byte[] {9});
  }
}
