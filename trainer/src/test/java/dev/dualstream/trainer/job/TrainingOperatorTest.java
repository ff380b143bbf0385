package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.trainer.model.ModelConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.StateObjectCollection;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training operator under Flink's operator test harness: a restore from a snapshot taken in the
 * middle of a batch continues to bit-identical parameters and optimizer state, versions are
 * announced only once their checkpoint completes, and a damaged model archive is refused.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException
class TrainingOperatorTest {
  private static final int BATCH = 16;
  private static final ModelConfig CONFIG = ModelConfig.defaults().toBuilder()
      .buckets(1 << 10).dims(8, 16, 8).batchSize(BATCH).learningRate(5e-3).threads(1).build();
  private static final List<FeaturizedExample> INPUT = examples(250, 17);
  private static final String[] STATE_FILES = {"embeddings.f32", "dense.f32", "optimizer.f32"};

  @Test
  void restoreMidBatchContinuesToBitIdenticalParametersAndOptimizerState(@TempDir Path a, @TempDir Path b)
      throws Exception {
    ModelVersion straight;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(a, 0))) {
      h.open();
      feed(h, INPUT);
      h.endInput();
      straight = onlyVersion(h);
    }

    OperatorSubtaskState snapshot;
    int cut = 7 * BATCH + 5;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(b, 0))) {
      h.open();
      feed(h, INPUT.subList(0, cut));
      snapshot = h.snapshot(1, 1);
      feed(h, INPUT.subList(cut, cut + 40)); // lost in the crash
    }
    ModelVersion resumed;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(b, 0))) {
      h.initializeState(snapshot);
      h.open();
      feed(h, INPUT.subList(cut, INPUT.size()));
      h.endInput();
      resumed = onlyVersion(h);
    }

    assertEquals(INPUT.size(), straight.getExamples());
    assertEquals(INPUT.size(), resumed.getExamples(), "every example applied exactly once");
    assertEquals(straight.getStep(), resumed.getStep());
    for (String file : STATE_FILES) {
      assertArrayEquals(Files.readAllBytes(dir(straight).resolve(file)), Files.readAllBytes(dir(resumed).resolve(file)),
          file + " bit-identical after a restore");
    }
  }

  @Test
  void aVersionIsAnnouncedOnlyWhenACheckpointHoldingItCompletes(@TempDir Path store) throws Exception {
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 2))) {
      h.open();
      feed(h, INPUT.subList(0, 2 * BATCH));
      Path written = store.resolve(CONFIG.modelName()).resolve("1");
      assertTrue(Files.isDirectory(written), "version 1 is written at step 2");
      assertTrue(h.getSideOutput(TrainingOperator.VERSIONS) == null || h.getSideOutput(TrainingOperator.VERSIONS).isEmpty(),
          "but not announced");
      h.snapshot(5, 5);
      feed(h, INPUT.subList(2 * BATCH, 4 * BATCH)); // version 2, after checkpoint 5
      h.notifyOfCompletedCheckpoint(5);
      List<ModelVersion> announced = versions(h);
      assertEquals(List.of(1L), announced.stream().map(ModelVersion::getVersion).toList());
      assertTrue(Files.exists(written.resolve(VersionLedger.COMMITTED_MARKER)));
      assertFalse(Files.exists(store.resolve(CONFIG.modelName()).resolve("2").resolve(VersionLedger.COMMITTED_MARKER)));
      h.snapshot(6, 6);
      h.notifyOfCompletedCheckpoint(6);
      assertEquals(List.of(1L, 2L), versions(h).stream().map(ModelVersion::getVersion).toList());
    }
  }

  @Test
  void aRestoreAnnouncesWhatItsCheckpointHeldAndDeletesWhatCameAfter(@TempDir Path store) throws Exception {
    OperatorSubtaskState snapshot;
    Path model = store.resolve(CONFIG.modelName());
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 2))) {
      h.open();
      feed(h, INPUT.subList(0, 2 * BATCH));
      snapshot = h.snapshot(1, 1);
      feed(h, INPUT.subList(2 * BATCH, 4 * BATCH));
      assertTrue(Files.isDirectory(model.resolve("2")));
    } // crash: checkpoint 1 completed but its notification never arrived
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 2))) {
      h.initializeState(snapshot);
      h.open();
      assertFalse(Files.exists(model.resolve("2")), "version 2 was written after checkpoint 1: removed");
      assertEquals(List.of(1L), versions(h).stream().map(ModelVersion::getVersion).toList());
      assertTrue(Files.exists(model.resolve("1").resolve(VersionLedger.COMMITTED_MARKER)));
      feed(h, INPUT.subList(2 * BATCH, 4 * BATCH));
      assertTrue(Files.isDirectory(model.resolve("2")), "written again by the replay");
    }
  }

  @Test
  void aDamagedModelArchiveIsRefusedOnRestore(@TempDir Path store) throws Exception {
    OperatorSubtaskState snapshot;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 0))) {
      h.open();
      feed(h, INPUT.subList(0, 3 * BATCH));
      snapshot = h.snapshot(3, 3);
    }
    OperatorSubtaskState damaged = withFlippedRawByte(snapshot);
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 0))) {
      Exception e = assertThrows(Exception.class, () -> h.initializeState(damaged));
      String message = causes(e);
      assertTrue(message.contains("the trainer state in checkpoint") && message.contains("fails its CRC-32C check"),
          message);
    }
  }

  private static OperatorSubtaskState withFlippedRawByte(OperatorSubtaskState state) throws Exception {
    OperatorStateHandle raw = state.getRawOperatorState().iterator().next();
    byte[] bytes;
    try (var in = raw.openInputStream()) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length / 2] ^= 0x01;
    OperatorStateHandle flipped = new OperatorStreamStateHandle(raw.getStateNameToPartitionOffsets(),
        new ByteStreamStateHandle("damaged", bytes));
    return state.toBuilder().setRawOperatorState(StateObjectCollection.singleton(flipped)).build();
  }

  private static String causes(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getMessage()).append(" | ");
    }
    return all.toString();
  }

  private static TrainerOptions options(Path store, int versionEverySteps) {
    return TrainerOptions.defaults("127.0.0.1:1").withModelStore(store).withModel(CONFIG)
        .withIntervals(1000, versionEverySteps);
  }

  private static OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> harness(TrainerOptions options)
      throws Exception {
    return new OneInputStreamOperatorTestHarness<>(new TrainingOperator(options));
  }

  private static void feed(OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h,
      List<FeaturizedExample> examples) throws Exception {
    for (FeaturizedExample e : examples) {
      h.processElement(new StreamRecord<>(e));
    }
  }

  private static List<ModelVersion> versions(OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h) {
    List<ModelVersion> result = new ArrayList<>();
    var records = h.getSideOutput(TrainingOperator.VERSIONS);
    if (records != null) {
      records.forEach(r -> result.add(Topics.MODEL_VERSIONS.codec().decode(r.getValue().value)));
    }
    return result;
  }

  private static ModelVersion onlyVersion(OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h) {
    List<ModelVersion> all = versions(h);
    assertEquals(1, all.size(), "one version at the end of input");
    return all.get(0);
  }

  private static Path dir(ModelVersion v) {
    return Path.of(URI.create(v.getUri()));
  }

  /** Examples whose query and document share ids, in a fixed order, with offsets of one partition. */
  static List<FeaturizedExample> examples(int n, long seed) {
    Random random = new Random(seed);
    List<FeaturizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int topic = 1 + random.nextInt(60);
      int[] query = {topic, 100 + random.nextInt(200)};
      int[] doc = {topic, 400 + random.nextInt(300), 800 + topic};
      out.add(new FeaturizedExample("e" + i, query, doc, 1_700_000_000_000L + i, 0, i));
    }
    return out;
  }
}
