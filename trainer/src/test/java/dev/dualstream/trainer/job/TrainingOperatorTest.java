package dev.dualstream.trainer.job;

import dev.dualstream.schemas.KafkaConnection;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ReplaySettings;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import dev.dualstream.trainer.negatives.NegativeConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.StateObjectCollection;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training operator under Flink's operator test harness: a restore from a snapshot taken in the
 * middle of a batch continues to bit-identical parameters and optimizer state, versions are
 * announced only once their checkpoint completes, a damaged model archive is refused, metrics
 * carry the negative cache's figures, and a step that fails on the training thread fails the task.
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
    ModelVersion straight = straight(options(a, 0));
    ModelVersion resumed = crashedAndResumed(options(b, 0));

    assertEquals(INPUT.size(), straight.getExamples());
    assertEquals(INPUT.size(), resumed.getExamples(), "every example applied exactly once");
    assertEquals(straight.getStep(), resumed.getStep());
    for (String file : STATE_FILES) {
      assertArrayEquals(Files.readAllBytes(dir(straight).resolve(file)), Files.readAllBytes(dir(resumed).resolve(file)),
          file + " bit-identical after a restore");
    }
  }

  @Test
  void replayedStepsRestoreBitIdenticallyAndCountApartFromExamples(@TempDir Path a, @TempDir Path b,
      @TempDir Path c) throws Exception {
    ReplaySettings replay = new ReplaySettings(2, 3 * BATCH);
    TrainerOptions replaying = options(a, 0).withDeterministic(true).withReplay(replay);
    ModelVersion straight = straight(replaying);
    ModelVersion onePass = straight(options(c, 0));
    ModelVersion resumed = crashedAndResumed(replaying.withModelStore(b));

    long freshSteps = onePass.getStep();
    // every step replays 2 batches once the buffer holds one batch, which it does from the first step on
    assertEquals(3 * freshSteps, straight.getStep(), "two replayed steps after each step");
    assertEquals(INPUT.size(), straight.getExamples(), "replayed pairs are not counted as examples");
    assertEquals(INPUT.size(), resumed.getExamples());
    assertEquals(straight.getStep(), resumed.getStep());
    for (String file : STATE_FILES) {
      assertArrayEquals(Files.readAllBytes(dir(straight).resolve(file)), Files.readAllBytes(dir(resumed).resolve(file)),
          file + " bit-identical after a restore: the buffer and its sampler came back with the checkpoint");
      assertFalse(Arrays.equals(Files.readAllBytes(dir(straight).resolve(file)),
          Files.readAllBytes(dir(onePass).resolve(file))), file + " differs from one pass: replays trained");
    }
  }

  @Test
  void theOperatorWithEveryOptionSetSerializesAsFlinkShipsIt(@TempDir Path store) throws Exception {
    TrainerOptions options = options(store, 3).withReplay(new ReplaySettings(2, 64)).withKeepVersions(4)
        .withDeterministic(true);
    byte[] bytes = InstantiationUtil.serializeObject(new TrainingOperator(options));
    assertTrue(bytes.length > 0);
    assertTrue(InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader()) instanceof TrainingOperator);
  }

  @Test
  void aVersionIsAnnouncedOnlyWhenACheckpointHoldingItCompletes(@TempDir Path store) throws Exception {
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(whole(store, 2))) {
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

  /**
   * With incremental checkpoints a version is captured at its step and written by the link writer: it is in
   * the store once a checkpoint holding it is taken, and announced only once that checkpoint completes.
   */
  @Test
  void anIncrementalCheckpointWaitsForTheVersionsBeforeItAndAnnouncesThemOnCompletion(@TempDir Path store)
      throws Exception {
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 2))) {
      h.open();
      feed(h, INPUT.subList(0, 2 * BATCH));
      Path written = store.resolve(CONFIG.modelName()).resolve("1");
      h.snapshot(5, 5);
      assertTrue(Files.isRegularFile(written.resolve("embeddings.f32")), "version 1 is whole once checkpoint 5 is");
      assertTrue(h.getSideOutput(TrainingOperator.VERSIONS) == null || h.getSideOutput(TrainingOperator.VERSIONS).isEmpty(),
          "but not announced");
      feed(h, INPUT.subList(2 * BATCH, 4 * BATCH)); // version 2, after checkpoint 5
      h.notifyOfCompletedCheckpoint(5);
      assertEquals(List.of(1L), versions(h).stream().map(ModelVersion::getVersion).toList());
      assertTrue(Files.exists(written.resolve(VersionLedger.COMMITTED_MARKER)));
      h.snapshot(6, 6);
      h.notifyOfCompletedCheckpoint(6);
      assertEquals(List.of(1L, 2L), versions(h).stream().map(ModelVersion::getVersion).toList());
      assertTrue(Files.isRegularFile(store.resolve(CONFIG.modelName()).resolve("2").resolve("embeddings.f32")));
    }
  }

  /** Versions are due every 2 steps but an hour apart at least: a trainer on a backlog writes the first only. */
  @Test
  void theVersionIntervalSpacesVersionsOut(@TempDir Path store) throws Exception {
    TrainerOptions options = options(store, 2).withVersionInterval(java.time.Duration.ofHours(1));
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options)) {
      h.open();
      feed(h, INPUT.subList(0, 8 * BATCH));
      h.snapshot(1, 1);
      h.notifyOfCompletedCheckpoint(1);
      assertEquals(List.of(1L), versions(h).stream().map(ModelVersion::getVersion).toList());
      assertEquals(2, versions(h).get(0).getStep(), "the first version is due at step 2 and written then");
      assertFalse(Files.exists(store.resolve(CONFIG.modelName()).resolve("2")));
    }
  }

  @Test
  void aRestoreAnnouncesWhatItsCheckpointHeldAndDeletesWhatCameAfter(@TempDir Path store) throws Exception {
    OperatorSubtaskState snapshot;
    Path model = store.resolve(CONFIG.modelName());
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(whole(store, 2))) {
      h.open();
      feed(h, INPUT.subList(0, 2 * BATCH));
      snapshot = h.snapshot(1, 1);
      feed(h, INPUT.subList(2 * BATCH, 4 * BATCH));
      assertTrue(Files.isDirectory(model.resolve("2")));
    } // crash: checkpoint 1 completed but its notification never arrived
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(whole(store, 2))) {
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
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(whole(store, 0))) {
      h.open();
      feed(h, INPUT.subList(0, 3 * BATCH));
      snapshot = h.snapshot(3, 3);
    }
    OperatorSubtaskState damaged = withFlippedRawByte(snapshot);
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(whole(store, 0))) {
      Exception e = assertThrows(Exception.class, () -> h.initializeState(damaged));
      String message = causes(e);
      assertTrue(message.contains("the trainer state in checkpoint") && message.contains("fails its CRC-32C check"),
          message);
    }
  }

  @Test
  void metricsCarryTheNegativeCachesSizeAndMeanStaleness(@TempDir Path store) throws Exception {
    ModelConfig cached = CONFIG.toBuilder()
        .negatives(NegativeConfig.defaults().withCache(64, 0).withInBatch(false)).build();
    int every = 5;
    List<TrainingMetrics> metrics;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h =
        harness(options(store, 0).withModel(cached).withIntervals(every, 0))) {
      h.open();
      feed(h, INPUT.subList(0, 3 * every * BATCH));
      metrics = metrics(h);
    }
    // the same steps straight on a trainer with the operator's seed
    List<StepResult> steps = new ArrayList<>();
    long seed = TrainerOptions.defaults(KafkaConnection.plaintext("x")).seed();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(cached, seed)) {
      for (int i = 0; i < 3 * every; i++) {
        List<TrainingPair> batch = new ArrayList<>();
        INPUT.subList(i * BATCH, (i + 1) * BATCH).forEach(e -> batch.add(new TrainingPair(e.queryIds, e.docIds)));
        steps.add(trainer.step(batch));
      }
    }
    assertEquals(3, metrics.size());
    for (int r = 0; r < 3; r++) {
      List<StepResult> window = steps.subList(r * every, (r + 1) * every);
      TrainingMetrics m = metrics.get(r);
      assertEquals((r + 1) * every, m.getStep());
      assertEquals(window.get(every - 1).cacheSize(), m.getCacheSize(), "size after the window's last step");
      double[] finite = window.stream().mapToDouble(StepResult::cacheStaleness).filter(Double::isFinite).toArray();
      assertTrue(finite.length > 0);
      assertEquals(Arrays.stream(finite).average().orElseThrow(), m.getCacheStaleness(), 1e-12);
    }
    assertTrue(metrics.get(0).getCacheSize() > 0);
  }

  @Test
  void withoutANegativeCacheTheCacheMetricsAreNull(@TempDir Path store) throws Exception {
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h =
        harness(options(store, 0).withIntervals(2, 0))) {
      h.open();
      feed(h, INPUT.subList(0, 4 * BATCH));
      List<TrainingMetrics> metrics = metrics(h);
      assertEquals(List.of(2L, 4L), metrics.stream().map(TrainingMetrics::getStep).toList());
      for (int i = 0; i < metrics.size(); i++) {
        assertNull(metrics.get(i).getCacheSize());
        assertNull(metrics.get(i).getCacheStaleness());
        assertEquals(2L * BATCH * (i + 1), metrics.get(i).getExamples());
      }
    }
  }

  @Test
  void aStepThatFailsOnTheTrainingThreadFailsTheTask(@TempDir Path store) throws Exception {
    List<FeaturizedExample> input = new ArrayList<>(INPUT.subList(0, 2 * BATCH));
    FeaturizedExample good = input.get(3);
    input.set(3, new FeaturizedExample(good.exampleId, good.queryIds, new int[] {1, CONFIG.buckets() + 7},
        good.eventTime, good.partition, good.offset));
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options(store, 0))) {
      h.open();
      Exception e = assertThrows(Exception.class, () -> {
        feed(h, input);
        h.endInput();
      });
      String message = causes(e);
      assertTrue(message.contains("a training step failed") && message.contains("is outside 0.."), message);
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

  /** The version at the end of {@link #INPUT}, trained in one go. */
  private static ModelVersion straight(TrainerOptions options) throws Exception {
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options)) {
      h.open();
      feed(h, INPUT);
      h.endInput();
      return onlyVersion(h);
    }
  }

  /**
   * The version at the end of {@link #INPUT}, trained by an operator snapshotted in the middle of a batch,
   * crashed 40 examples later, and restored from the snapshot.
   */
  private static ModelVersion crashedAndResumed(TrainerOptions options) throws Exception {
    OperatorSubtaskState snapshot;
    int cut = 7 * BATCH + 5;
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options)) {
      h.open();
      feed(h, INPUT.subList(0, cut));
      snapshot = h.snapshot(1, 1);
      feed(h, INPUT.subList(cut, cut + 40)); // lost in the crash
    }
    try (OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h = harness(options)) {
      h.initializeState(snapshot);
      h.open();
      feed(h, INPUT.subList(cut, INPUT.size()));
      h.endInput();
      return onlyVersion(h);
    }
  }

  /** Incremental checkpoints, as by default, their links beside the model store. */
  private static TrainerOptions options(Path store, int versionEverySteps) {
    return TrainerOptions.defaults(KafkaConnection.plaintext("127.0.0.1:1")).withModelStore(store).withModel(CONFIG)
        .withIntervals(1000, versionEverySteps)
        .withCheckpoints(CheckpointSettings.defaults().withDirectory(store.resolve(".checkpoints")));
  }

  /** Every checkpoint whole, the trainer's state in Flink's raw state; versions written on the training thread. */
  private static TrainerOptions whole(Path store, int versionEverySteps) {
    TrainerOptions options = options(store, versionEverySteps);
    return options.withCheckpoints(options.checkpoints().withFullEvery(0));
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

  private static List<TrainingMetrics> metrics(OneInputStreamOperatorTestHarness<FeaturizedExample, EncodedRecord> h) {
    List<TrainingMetrics> result = new ArrayList<>();
    h.extractOutputValues().forEach(r -> result.add(Topics.TRAINING_METRICS.codec().decode(r.value)));
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
