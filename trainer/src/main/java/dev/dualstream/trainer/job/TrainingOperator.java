package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.LinkStore;
import dev.dualstream.trainer.checkpoint.StateArchive;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import dev.dualstream.trainer.checkpoint.TrainingSnapshotSerializer;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ReplayBuffer;
import dev.dualstream.trainer.model.ReplaySettings;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjLongConsumer;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.OperatorStateCheckpointOutputStream;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single training operator: gathers featurized examples into mini-batches, runs one optimizer
 * step per full batch, reports {@link TrainingMetrics} on the main output and publishes a
 * {@link ModelVersion} on {@link #VERSIONS} (both encoded for their topics) every {@code
 * versionEverySteps} steps and at the end of a bounded input. Runs with parallelism 1: DJL allows
 * one gradient collector per JVM.
 *
 * <p>Students ({@link TrainerOptions#students()}) train in the same steps on the model's candidates
 * ({@link Classroom}): each reports its own metrics and writes its own versions, at the model's
 * steps under the model's version numbers, committed and announced with the model's.
 *
 * <p>Everything training depends on is checkpointed: counters, the partial batch, input offsets
 * and pending versions in managed state ({@link TrainingSnapshot}), the model, optimizer and the
 * rest of the trainer's checkpoint directory in raw state ({@link TrainerArchive} says why). With
 * the source's offsets in the same checkpoint, a restore applies every example exactly once.
 * Version announcements wait for the checkpoint that holds their state ({@link VersionLedger}).
 *
 * <p>Steps run on a {@link TrainingThread}, not on the mailbox thread: the mailbox thread hands
 * each full batch over and goes on deserializing and assembling the next one while the step runs.
 * Whatever reads or writes the trainer (snapshots, versions, metrics, the end of input, close) runs
 * on that thread after the steps handed over before it, so a checkpoint holds exactly the examples
 * applied so far plus the partial batch, as with steps on the mailbox thread; steps run in the same
 * order on the same batches, so deterministic runs stay bit-identical. A failed step fails the task.
 */
final class TrainingOperator extends AbstractStreamOperator<EncodedRecord>
    implements OneInputStreamOperator<FeaturizedExample, EncodedRecord>, BoundedOneInput {
  private static final long serialVersionUID = 2L;
  private static final Logger LOG = LoggerFactory.getLogger(TrainingOperator.class);
  static final OutputTag<EncodedRecord> VERSIONS = new OutputTag<>("model-versions") {
    private static final long serialVersionUID = 1L;
  };

  /**
   * Full batches that may wait for or be in a step: one runs while the next is assembled; a second
   * one queued keeps the trainer busy across a short hiccup of the input.
   */
  private static final int HANDOFF_CAPACITY = 2;

  /** Gauges: milliseconds the training thread spent in steps, and between steps, since it started. */
  static final String STEP_MS_METRIC = "trainer_step_ms";
  static final String BETWEEN_STEPS_MS_METRIC = "trainer_between_steps_ms";

  /**
   * Gauges of the newest checkpoint: how many were taken, the bytes of its trainer state (the link, for an
   * incremental one), its snapshot's milliseconds, and those the training thread spent on it instead of training.
   */
  static final String CHECKPOINTS_METRIC = "checkpoints_taken";
  static final String CHECKPOINT_BYTES_METRIC = "checkpoint_bytes";
  static final String CHECKPOINT_ROWS_METRIC = "checkpoint_rows";
  static final String CHECKPOINT_BARRIER_METRIC = "checkpoint_barrier_time_ms";
  static final String CHECKPOINT_MS_METRIC = "checkpoint_ms";
  static final String CHECKPOINT_BLOCKED_MS_METRIC = "checkpoint_blocked_ms";

  /** Click-to-step freshness statistics cover the steps of the last minute. */
  private static final long FRESHNESS_WINDOW_MS = 60_000;

  private final ModelConfig config;
  private final String modelName;
  private final String modelStore;
  private final String inputTopic;
  private final long seed;
  private final int metricsEverySteps;
  private final int versionEverySteps;
  private final long versionIntervalMs;
  private final ReplaySettings replay;
  private final int keepVersions;
  private final boolean deterministic;
  /** Whether a due version waits for the previous write rather than being folded into the next one. */
  private final boolean versionsWait;
  private final List<StudentSpec> students;
  /** Incremental checkpoints: a full link every this many (0: every checkpoint whole, in raw state). */
  private final int fullEvery;
  private final String checkpointRoot;
  private final String linkDirectory;

  /**
   * Driven on {@link #thread} only, as {@link #window} is; the mailbox thread reads the trainer's
   * plain counters only right after a call to that thread returned.
   */
  private transient Classroom classroom;
  /** The students' step windows, by name, on {@link #thread} only. */
  private transient Map<String, StepWindow> studentWindows;
  /** The pairs to replay from, on {@link #thread} only; null when replay is off. */
  private transient ReplayBuffer replayBuffer;
  /** Steps and pairs replayed: part of {@link #steps}, apart from {@link #examplesApplied}. */
  private transient volatile long replaySteps;
  private transient volatile long examplesReplayed;
  private transient TrainingThread thread;
  private transient StepWindow window;
  private transient VersionLedger versions;
  private transient ListState<TrainingSnapshot> state;
  private transient Path scratch;
  private transient List<TrainingPair> batch;
  private transient SortedMap<Integer, Long> nextOffsets;
  private transient long newestEventTime;
  /** Written by the training thread after each step; read by the mailbox thread once it has drained. */
  private transient volatile long examplesApplied;
  private transient volatile long steps;
  /**
   * Wall time the training thread spent in steps, and between the end of one step and the start of
   * the next (waiting for a batch, or snapshotting, publishing, reporting): with input queued, the
   * share of the first is how busy the trainer is kept. Written by the training thread.
   */
  private transient volatile long stepNanos;
  private transient volatile long betweenStepsNanos;
  private transient long lastStepEnd;
  /** Steps handed over to the training thread, applied or not. */
  private transient long stepsHandedOver;
  private transient long lastVersionStep;
  /** A version is due (its steps have passed) but waits for the interval or the previous write. */
  private transient boolean versionDue;
  private transient long lastVersionWallMs;
  /** The newest version's write by the link writer; null when none is queued. */
  private transient CompletableFuture<Void> versionWrite;
  private transient List<byte[]> restoredAnnouncements;
  private transient boolean finished;
  private transient ClickToStepFreshness freshness;
  /** Writes the links of incremental checkpoints and holds their chain; null when every checkpoint is whole. */
  private transient LinkWriter links;
  /** Whether the snapshot being taken is a savepoint (written whole in raw state, to stand alone). */
  private transient boolean savepoint;
  /** The cost of the newest checkpoint: its trainer state's bytes, the whole snapshot's time, the trainer's share. */
  private transient volatile long checkpoints;
  private transient volatile long checkpointBytes;
  /** Table rows the newest checkpoint wrote: those changed since the previous link, or every row when whole. */
  private transient volatile long checkpointRows;
  /** When the newest checkpoint's barrier reached the trainer, epoch milliseconds. */
  private transient volatile long checkpointBarrierMs;
  private transient volatile long checkpointMs;
  private transient volatile long checkpointBlockedMs;

  TrainingOperator(TrainerOptions options) {
    this.config = options.model();
    this.modelName = options.modelName();
    this.modelStore = options.modelStore().toString();
    this.inputTopic = options.topics().input().name();
    this.seed = options.seed();
    this.metricsEverySteps = options.metricsEverySteps();
    this.versionEverySteps = options.versionEverySteps();
    this.versionIntervalMs = options.versionInterval().toMillis();
    this.replay = options.replay();
    this.keepVersions = options.keepVersions();
    this.deterministic = options.deterministic();
    this.versionsWait = options.deterministic() || options.bounded();
    this.students = options.students();
    this.fullEvery = options.checkpoints().fullEvery();
    this.checkpointRoot = options.checkpoints().directory().toAbsolutePath().toString();
    this.linkDirectory = options.checkpoints().linkDirectory().toAbsolutePath().toString();
  }

  /** The model itself (the teacher of any students); on {@link #thread}. */
  private DualEncoderTrainer trainer() {
    return classroom.teacher();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state = context.getOperatorStateStore().getListState(
        new ListStateDescriptor<>(CheckpointLocator.TRAINING_STATE_NAME, TrainingSnapshotSerializer.INSTANCE));
    scratch = Files.createTempDirectory(scratchRoot(), "dualstream-trainer-");
    thread = new TrainingThread("dualstream-step " + modelName, HANDOFF_CAPACITY, this::failTask);
    ModelPublisher publisher = new ModelPublisher(Path.of(modelStore), modelName, seed, keepVersions);
    List<ModelPublisher> studentPublishers = students.stream()
        .map(s -> new ModelPublisher(Path.of(modelStore), s.name(), seed, keepVersions)).toList();
    TrainingSnapshot restored = onlyElement(state.get());
    if (restored == null) {
      classroom = thread.call(() -> Classroom.create(config, students, seed));
      replayBuffer = replay.enabled() ? new ReplayBuffer(replay.capacity(), seed) : null;
      versions = VersionLedger.fresh(publisher, studentPublishers);
      batch = new ArrayList<>(config.batchSize());
      nextOffsets = new TreeMap<>();
      restoredAnnouncements = List.of();
      startChain(TrainingSnapshot.Chain.NONE, "base-0-" + attempt());
      return;
    }
    String source = "checkpoint " + context.getRestoredCheckpointId().orElse(-1L);
    classroom = restored.chain().isEmpty()
        ? thread.call(() -> TrainerArchive.restore(context.getRawOperatorStateInputs(), restored, students,
            scratch.resolve("restore"), source))
        : thread.call(() -> TrainerArchive.restoreChain(restored.chain(), students, scratch.resolve("restore"), source));
    checkRestored(restored, source);
    steps = restored.steps();
    replaySteps = restored.replay().steps();
    examplesReplayed = restored.replay().examples();
    stepsHandedOver = steps - replaySteps;
    replayBuffer = restoredReplayBuffer(restored.replay());
    batch = new ArrayList<>(restored.partialBatch());
    nextOffsets = new TreeMap<>(restored.nextOffsets());
    newestEventTime = restored.newestEventTimeMs();
    examplesApplied = restored.examplesApplied();
    lastVersionStep = restored.lastVersionStep();
    versions = VersionLedger.restored(publisher, studentPublishers, restored.lastVersion(),
        restored.pendingVersions());
    restoredAnnouncements = versions.afterRestore();
    LOG.info("restored {} from {}: step {}, {} examples applied, {} in the partial batch, offsets {}, {} steps"
        + " replayed, {} pairs to replay", modelName, source, trainer().steps(), examplesApplied, batch.size(),
        nextOffsets, replaySteps, replayBuffer == null ? 0 : replayBuffer.size());
    // Deltas go on from the restored chain's state, in this job's store; a restore from elsewhere starts afresh.
    startChain(restored.chain().store().equals(linkDirectory) ? restored.chain() : TrainingSnapshot.Chain.NONE,
        "base-" + context.getRestoredCheckpointId().orElse(0L) + "-" + attempt());
  }

  /**
   * With incremental checkpoints, starts the link writer: it goes on from {@code restored}, or from a base link
   * of the model as it is now, written before the first step (so that no checkpoint waits for a whole model).
   */
  private void startChain(TrainingSnapshot.Chain restored, String baseName) throws Exception {
    if (fullEvery == 0) {
      return;
    }
    links = new LinkWriter(new LinkStore(Path.of(linkDirectory)), students, scratch, modelName);
    if (!restored.isEmpty()) {
      links.started(restored);
      LOG.info("incremental checkpoints go on from the restored chain of {} links", restored.links().size());
      return;
    }
    writeBase(jobPrefix() + baseName);
  }

  /** Writes a base link of the model as it is, on the training thread, and starts a chain from it. */
  private void writeBase(String name) throws Exception {
    Map<String, String> provenance = provenance();
    long start = System.nanoTime();
    TrainingSnapshot.Link base = thread.call(() -> TrainerArchive.saveLink(classroom, provenance,
        scratch.resolve(name), links.store(), name, List.of()));
    links.started(new TrainingSnapshot.Chain(linkDirectory, List.of(base)));
    LOG.info("incremental checkpoints start from the base link {} ({} MB, {} ms)", base.file(), base.bytes() >> 20,
        (System.nanoTime() - start) / 1_000_000);
  }

  private int attempt() {
    return getRuntimeContext().getTaskInfo().getAttemptNumber();
  }

  /**
   * The checkpoint's replay buffer, with the capacity asked for now (the newest pairs stay); a fresh one if
   * the checkpoint had none; null when replay is off now.
   */
  private ReplayBuffer restoredReplayBuffer(TrainingSnapshot.Replay restored) {
    if (!replay.enabled()) {
      return null;
    }
    if (restored.capacity() == 0) {
      return new ReplayBuffer(replay.capacity(), seed);
    }
    return ReplayBuffer.restore(replay.capacity(), restored.contents(), restored.samplerState());
  }

  private void checkRestored(TrainingSnapshot restored, String source) {
    if (!restored.modelName().equals(modelName)) {
      throw new IllegalStateException(source + " trains model '" + restored.modelName() + "', not '" + modelName + "'");
    }
    DualEncoderTrainer trainer = trainer();
    if (!trainer.config().equals(config)) {
      throw new IllegalStateException(source + " was taken with another model configuration; restore with the same"
          + " one.\n  checkpoint: " + trainer.config().toJson() + "\n  requested: " + config.toJson());
    }
    for (DualEncoderTrainer model : models()) {
      if (model.steps() != restored.steps() || model.examples() != restored.examplesApplied()) {
        throw new IllegalStateException(source + " is inconsistent: its model " + model.config().modelName()
            + " is at step " + model.steps() + " with " + model.examples() + " examples, its counters say step "
            + restored.steps() + " with " + restored.examplesApplied());
      }
    }
  }

  /** The model, then its students. */
  private List<DualEncoderTrainer> models() {
    List<DualEncoderTrainer> models = new ArrayList<>();
    models.add(classroom.teacher());
    classroom.students().forEach(s -> models.add(s.trainer()));
    return models;
  }

  @Override
  public void open() throws Exception {
    super.open();
    getMetricGroup().gauge("examples_applied", (Gauge<Long>) () -> examplesApplied);
    getMetricGroup().gauge("steps", (Gauge<Long>) () -> steps);
    getMetricGroup().gauge("examples_replayed", (Gauge<Long>) () -> examplesReplayed);
    getMetricGroup().gauge(STEP_MS_METRIC, (Gauge<Long>) () -> stepNanos / 1_000_000);
    getMetricGroup().gauge(BETWEEN_STEPS_MS_METRIC, (Gauge<Long>) () -> betweenStepsNanos / 1_000_000);
    getMetricGroup().gauge(CHECKPOINTS_METRIC, (Gauge<Long>) () -> checkpoints);
    getMetricGroup().gauge(CHECKPOINT_BYTES_METRIC, (Gauge<Long>) () -> checkpointBytes);
    getMetricGroup().gauge(CHECKPOINT_ROWS_METRIC, (Gauge<Long>) () -> checkpointRows);
    getMetricGroup().gauge(CHECKPOINT_BARRIER_METRIC, (Gauge<Long>) () -> checkpointBarrierMs);
    getMetricGroup().gauge(CHECKPOINT_MS_METRIC, (Gauge<Long>) () -> checkpointMs);
    getMetricGroup().gauge(CHECKPOINT_BLOCKED_MS_METRIC, (Gauge<Long>) () -> checkpointBlockedMs);
    freshness = new ClickToStepFreshness(FRESHNESS_WINDOW_MS, System::currentTimeMillis);
    freshness.arrivedUnknown(batch.size());
    getMetricGroup().histogram(ClickToStepFreshness.METRIC, freshness);
    window = new StepWindow(System.nanoTime());
    studentWindows = new LinkedHashMap<>();
    students.forEach(s -> studentWindows.put(s.name(), new StepWindow(System.nanoTime())));
    LOG.info("training {}{} on {}", modelName, students.isEmpty() ? "" : " with students " + studentWindows.keySet(),
        thread.call(() -> trainer().describeDevice()));
    emitVersions(restoredAnnouncements);
    restoredAnnouncements = List.of();
  }

  @Override
  public void processElement(StreamRecord<FeaturizedExample> element) throws Exception {
    FeaturizedExample example = element.getValue();
    batch.add(example.toPair());
    nextOffsets.merge(example.partition, example.offset + 1, Math::max);
    newestEventTime = Math.max(newestEventTime, example.eventTime);
    freshness.arrived(example.eventTime);
    if (batch.size() >= config.batchSize()) {
      handOver();
    }
  }

  @Override
  public void endInput() throws Exception {
    if (batch.size() >= 2) {
      handOver();
    }
    thread.drain();
    emitMetrics();
    // The final state becomes a version, with its optimizer state so training can resume from it,
    // unless a periodic version already holds exactly this state.
    if (steps > lastVersionStep) {
      publishVersion(true);
    }
    emitVersions(versions.endOfInput());
    finished = true;
  }

  /**
   * Hands the partial batch over as a step and starts a new one. Metrics and versions are due
   * after particular steps: those wait for the step, so they describe the state right after it.
   */
  private void handOver() throws Exception {
    List<TrainingPair> full = batch;
    batch = new ArrayList<>(config.batchSize());
    thread.submit(() -> applyStep(full));
    stepsHandedOver++;
    if (stepsHandedOver % metricsEverySteps == 0) {
      emitMetrics();
    }
    if (versionEverySteps > 0 && stepsHandedOver % versionEverySteps == 0) {
      versionDue = true;
    }
    if (versionDue && versionMayGo()) {
      versionDue = false;
      publishVersion(false);
    }
  }

  /**
   * Whether a due version may be written now: no sooner than the version interval after the previous one, and
   * not while the previous one is still being written (a trainer on a backlog would queue them faster than they
   * are written). In deterministic mode, and on a bounded input, the trainer waits for the previous write
   * instead, so that versions come at their steps in every run: a bounded run (the demo, a replay) is there to
   * score every version, and nothing in it is fresher for a version folded into the next.
   */
  private boolean versionMayGo() throws Exception {
    if (System.currentTimeMillis() - lastVersionWallMs < versionIntervalMs) {
      return false;
    }
    if (versionWrite != null && !versionWrite.isDone()) {
      if (!versionsWait) {
        return false;
      }
      versionWrite.get();
    }
    return true;
  }

  /** One step, on the training thread. */
  private void applyStep(List<TrainingPair> full) {
    long start = System.nanoTime();
    if (lastStepEnd != 0) {
      betweenStepsNanos += start - lastStepEnd;
    }
    Classroom.Lesson lesson = classroom.step(full);
    freshness.applied(full.size());
    window.add(lesson.teacher());
    lesson.students().forEach((name, result) -> studentWindows.get(name).add(result));
    examplesApplied += full.size();
    replayAfter(full);
    steps = trainer().steps();
    lastStepEnd = System.nanoTime();
    stepNanos += lastStepEnd - start;
  }

  /**
   * Revisits applied pairs after a step, on the training thread: up to the configured number of batches
   * drawn from the buffer, stopping as soon as other work waits (a deterministic run replays them all, so
   * its parameters do not depend on timing). Replayed steps stay out of the metrics' loss and rates.
   */
  private void replayAfter(List<TrainingPair> applied) {
    if (replayBuffer == null) {
      return;
    }
    replayBuffer.addAll(applied);
    int size = config.batchSize();
    for (int i = 0; i < replay.batchesPerStep() && replayBuffer.size() >= size; i++) {
      if (!deterministic && thread.hasQueuedWork()) {
        return;
      }
      classroom.replayStep(replayBuffer.sample(size));
      replaySteps++;
      examplesReplayed += size;
    }
  }

  /** Reports the steps since the last report on the main output, after they are all applied. */
  private void emitMetrics() throws Exception {
    List<TrainingMetrics> reports = thread.call(() -> {
      List<TrainingMetrics> out = new ArrayList<>();
      if (window.isEmpty()) {
        return out;
      }
      long now = System.nanoTime();
      out.add(metrics(trainer(), window.takeAndReset(now, trainer().cacheStats().isPresent())));
      for (Classroom.Student student : classroom.students()) {
        out.add(metrics(student.trainer(), studentWindows.get(student.name()).takeAndReset(now, false)));
      }
      return out;
    });
    for (TrainingMetrics metrics : reports) {
      output.collect(new StreamRecord<>(EncodedRecord.of(Topics.TRAINING_METRICS, metrics.getModel(), metrics)));
    }
  }

  /** On the training thread. */
  private TrainingMetrics metrics(DualEncoderTrainer model, StepWindow.Summary summary) {
    return TrainingMetrics.newBuilder()
        .setModel(model.config().modelName())
        .setStep(model.steps())
        .setExamples(model.examples())
        .setLoss(summary.meanLoss())
        .setLearningRate(model.config().learningRate())
        .setExamplesPerS(summary.examplesPerS())
        .setEventTimeLagMs(newestEventTime == 0 ? 0 : Math.max(0, System.currentTimeMillis() - newestEventTime))
        .setCacheSize(summary.cacheSize())
        .setCacheStaleness(summary.cacheStaleness())
        .setTimestamp(Instant.now())
        .build();
  }

  /**
   * Writes a version now; it is announced once a checkpoint holding this state completes. With incremental
   * checkpoints, a version without optimizer state is captured on the training thread (a copy of the table in
   * memory) and written by the link writer before the next link, so that the checkpoint that announces it waits
   * for it; a version that cannot be written fails the task.
   */
  private void publishVersion(boolean withOptimizer) throws Exception {
    SortedMap<Integer, Long> offsets = new TreeMap<>(nextOffsets);
    boolean later = links != null && !withOptimizer;
    long start = System.nanoTime();
    List<ModelPublisher.Published> published = thread.call(() -> {
      List<ModelPublisher.Published> out = new ArrayList<>();
      ModelPublisher.Published teacher = later
          ? versions.publisher().publishLater(trainer(), inputTopic, offsets, null)
          : new ModelPublisher.Published(versions.publisher().publish(trainer(), inputTopic, offsets, withOptimizer),
              DualEncoderTrainer.Deferred.NONE);
      out.add(teacher);
      for (Classroom.Student student : classroom.students()) {
        ModelPublisher publisher = versions.student(student.name());
        out.add(later ? publisher.publishLater(student.trainer(), inputTopic, offsets, teacher.version())
            : new ModelPublisher.Published(publisher.publishStudent(student.trainer(), inputTopic, offsets,
                withOptimizer, teacher.version()), DualEncoderTrainer.Deferred.NONE));
      }
      return out;
    });
    List<ModelVersion> written = published.stream().map(ModelPublisher.Published::version).toList();
    ModelVersion version = written.get(0);
    lastVersionWallMs = System.currentTimeMillis();
    if (later) {
      versionWrite = links.queue(
          DualEncoderTrainer.Deferred.all(published.stream().map(ModelPublisher.Published::rest).toList()),
          "version " + version.getVersion());
      versionWrite.whenComplete((done, failure) -> {
        if (failure != null) {
          failTask(failure);
        }
      });
    }
    LOG.info("{} {} version {} at step {} ({}) in {} ms{}; announced with the next checkpoint",
        later ? "captured" : "wrote", modelName, version.getVersion(), version.getStep(), version.getUri(),
        (System.nanoTime() - start) / 1_000_000, written.size() == 1 ? ""
            : " with its students' " + written.subList(1, written.size()).stream().map(ModelVersion::getModel).toList());
    List<byte[]> studentRecords = written.subList(1, written.size()).stream()
        .map(Topics.MODEL_VERSIONS.codec()::encode).toList();
    versions.written(version.getVersion(), Topics.MODEL_VERSIONS.codec().encode(version), studentRecords);
    lastVersionStep = version.getStep();
  }

  private void emitVersions(List<byte[]> announcements) {
    Topic<String, ModelVersion> topic = Topics.MODEL_VERSIONS;
    for (byte[] value : announcements) {
      ModelVersion version = topic.codec().decode(value);
      LOG.info("announcing {} version {}", version.getModel(), version.getVersion());
      output.collect(VERSIONS, new StreamRecord<>(
          new EncodedRecord(version.getModel().getBytes(StandardCharsets.UTF_8), value)));
    }
  }

  /**
   * Reports the steps since the last report before each checkpoint's barrier, so the record commits with the
   * checkpoint: the committed metrics then always count every example the committed state applied, not only
   * those up to the last multiple of the metrics interval. Versions written since the last barrier are announced
   * here too, so they commit with the first checkpoint that holds them ({@link VersionLedger}).
   */
  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    emitMetrics();
    if (!finished) {
      emitVersions(versions.announceWith(checkpointId));
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    long id = context.getCheckpointId();
    versions.checkpointing(id);
    OperatorStateCheckpointOutputStream out = context.getRawOperatorStateOutput();
    out.startNewPartition();
    Map<String, String> provenance = provenance();
    long barrier = System.currentTimeMillis();
    long start = System.nanoTime();
    thread.drain();
    long drained = System.nanoTime();
    TrainingSnapshot.Replay replayState = thread.call(this::replayState);
    TrainingSnapshot snapshot;
    if (links == null || savepoint) {
      StateArchive.Digest digest =
          thread.call(() -> TrainerArchive.save(classroom, provenance, scratch.resolve("chk-" + id), out));
      long saved = System.nanoTime();
      checkpointBytes = digest.bytes();
      checkpointRows = models().stream().mapToLong(m -> m.config().buckets() + 1L).sum();
      checkpointBarrierMs = barrier;
      checkpointBlockedMs = (saved - drained) / 1_000_000;
      checkpointMs = (System.nanoTime() - start) / 1_000_000;
      checkpoints++;
      LOG.info("checkpoint {}: trainer state of {} MB written in {} ms (after {} ms waiting for queued steps){}", id,
          digest.bytes() >> 20, (saved - drained) / 1_000_000, (drained - start) / 1_000_000, replayed());
      snapshot = snapshot(digest, replayState);
    } else {
      StateArchive.Digest digest = TrainerArchive.saveEmpty(scratch.resolve("chk-" + id + "-empty"), out);
      snapshot = snapshot(digest, replayState)
          .withChainWritten(linkAfter(id, provenance, barrier, start, drained));
    }
    state.update(List.of(snapshot));
  }

  private TrainingSnapshot snapshot(StateArchive.Digest digest, TrainingSnapshot.Replay replayState) {
    return new TrainingSnapshot(modelName, steps, examplesApplied, batch, inputTopic, nextOffsets, newestEventTime,
        versions.lastVersion(), lastVersionStep, versions.snapshot(), digest.bytes(), digest.sha256(), replayState);
  }

  /**
   * Takes checkpoint {@code id}'s link: the training thread captures the changed rows and the small state, the
   * link writer writes them (a delta, or a full link compacted from the chain every {@link #fullEvery}). If a
   * link of the chain failed, the model is written whole as a new base first, on the training thread.
   *
   * @return the chain, once its links are written
   */
  private CompletableFuture<TrainingSnapshot.Chain> linkAfter(long id, Map<String, String> provenance, long barrier,
      long start, long drained) throws Exception {
    if (!links.hasChain()) {
      LOG.warn("checkpoint {}: a link of the trainer's chain could not be written; the model is written whole as"
          + " a new base, and training waits for it", id);
      writeBase(linkName(id) + "-base");
    }
    boolean full = links.length() >= fullEvery;
    Path dir = scratch.resolve("chk-" + id);
    DualEncoderTrainer.Deferred rows =
        thread.call(() -> classroom.captureCheckpointDelta(dir, provenance, ArrayFile.Durability.SCRATCH));
    long blocked = (System.nanoTime() - drained) / 1_000_000;
    int length = full ? 1 : links.length() + 1;
    LOG.info("checkpoint {}: {} changed rows ({} MB) and the small state captured in {} ms (after {} ms waiting for"
        + " queued steps); link {} of its chain, {}{}", id, rows.rows(), rows.bytes() >> 20, blocked,
        (drained - start) / 1_000_000, length, full ? "full, compacted from the chain" : "a delta", replayed());
    ObjLongConsumer<TrainingSnapshot.Link> done = (link, ms) -> {
      checkpointBytes = link.bytes();
      checkpointRows = rows.rows();
      checkpointBarrierMs = barrier;
      checkpointBlockedMs = blocked;
      checkpointMs = (drained - start) / 1_000_000 + ms;
      checkpoints++;
    };
    return full ? links.compact(linkName(id), dir, rows, provenance, done) : links.delta(linkName(id), dir, rows, done);
  }

  private String replayed() {
    return replayBuffer == null ? "" : "; " + replaySteps + " steps replayed so far";
  }

  @Override
  public OperatorSnapshotFutures snapshotState(long checkpointId, long timestamp, CheckpointOptions options,
      CheckpointStreamFactory factory) throws Exception {
    savepoint = options.getCheckpointType().isSavepoint();
    return super.snapshotState(checkpointId, timestamp, options, factory);
  }

  /** A link's name: the job's and the checkpoint's, so that jobs sharing a store keep apart. */
  private String linkName(long checkpointId) {
    return jobPrefix() + "chk-" + checkpointId;
  }

  private String jobPrefix() {
    return getContainingTask().getEnvironment().getJobID() + "-";
  }

  /**
   * Deletes this job's links that no checkpoint Flink still retains (its {@code chk-N} directories) and none in
   * flight needs; run when a checkpoint completes.
   */
  private void collectLinks(long completed) {
    if (links == null) {
      return;
    }
    String prefix = jobPrefix();
    java.util.Set<String> heads = new java.util.HashSet<>(links.files());
    Path jobDir = Path.of(checkpointRoot, getContainingTask().getEnvironment().getJobID().toString());
    try (java.util.stream.Stream<Path> dirs = Files.isDirectory(jobDir) ? Files.list(jobDir)
        : java.util.stream.Stream.empty()) {
      dirs.map(d -> d.getFileName().toString()).filter(n -> n.startsWith("chk-"))
          .forEach(n -> heads.add(prefix + n + LinkStore.SUFFIX));
      // Links of checkpoints after this one are in flight.
      LinkStore store = new LinkStore(Path.of(linkDirectory));
      try (java.util.stream.Stream<Path> links = Files.isDirectory(store.dir()) ? Files.list(store.dir())
          : java.util.stream.Stream.empty()) {
        links.map(l -> l.getFileName().toString()).filter(n -> n.startsWith(prefix + "chk-") && n.endsWith(
            LinkStore.SUFFIX)).filter(n -> idOf(n, prefix) > completed).forEach(heads::add);
      }
      List<String> deleted = store.retainChainsOf(heads, n -> n.startsWith(prefix));
      if (!deleted.isEmpty()) {
        LOG.info("checkpoint {} completed: {} links no retained checkpoint needs deleted", completed, deleted.size());
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("could not collect the trainer's unused checkpoint links in {}: {}", linkDirectory, e.toString());
    }
  }

  private static long idOf(String link, String prefix) {
    try {
      return Long.parseLong(link.substring((prefix + "chk-").length(), link.length() - LinkStore.SUFFIX.length()));
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /** On the training thread. */
  private TrainingSnapshot.Replay replayState() {
    if (replayBuffer == null) {
      return new TrainingSnapshot.Replay(replaySteps, examplesReplayed, 0, 0, List.of());
    }
    return new TrainingSnapshot.Replay(replaySteps, examplesReplayed, replayBuffer.capacity(),
        replayBuffer.samplerState(), replayBuffer.contents());
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    collectLinks(checkpointId);
    emitVersions(versions.checkpointCompleted(checkpointId, !finished));
  }

  private Map<String, String> provenance() {
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("model", modelName);
    provenance.put("seed", Long.toString(seed));
    provenance.put("replayed_steps", Long.toString(replaySteps));
    nextOffsets.forEach((partition, offset) ->
        provenance.put("offset." + inputTopic + "-" + partition, Long.toString(offset)));
    return provenance;
  }

  /** Flink's temporary directory ({@code io.tmp.dirs}): snapshots pass through it, 0.8 GB at default sizes. */
  private Path scratchRoot() {
    String[] dirs = getContainingTask().getEnvironment().getIOManager().getSpillingDirectoriesPaths();
    return Path.of(dirs.length > 0 ? dirs[0] : System.getProperty("java.io.tmpdir"));
  }

  /** Fails the task from its mailbox, so a failed step surfaces even while no input arrives. */
  private void failTask(Throwable cause) {
    getContainingTask().getMailboxExecutorFactory().createExecutor(getOperatorConfig().getChainIndex())
        .execute(() -> {
          throw new TrainingThread.TrainingFailedException(cause);
        }, "training step failed");
  }

  private static TrainingSnapshot onlyElement(Iterable<TrainingSnapshot> values) throws Exception {
    Iterator<TrainingSnapshot> it = values.iterator();
    if (!it.hasNext()) {
      return null;
    }
    TrainingSnapshot value = it.next();
    if (it.hasNext()) {
      throw new IllegalStateException("the training state holds more than one snapshot; was the trainer rescaled?");
    }
    return value;
  }

  @Override
  public void close() throws Exception {
    try {
      if (links != null) {
        links.close();
      }
      if (thread != null) {
        thread.close(() -> {
          if (classroom != null) {
            classroom.close();
          }
        });
      }
      if (scratch != null) {
        TrainerArchive.deleteTree(scratch);
      }
    } finally {
      super.close();
    }
  }
}
