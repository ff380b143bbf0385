package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.StateArchive;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import dev.dualstream.trainer.checkpoint.TrainingSnapshotSerializer;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
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
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.OperatorStateCheckpointOutputStream;
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
 * <p>Everything training depends on is checkpointed: counters, the partial batch, input offsets
 * and pending versions in managed state ({@link TrainingSnapshot}), the model, optimizer and the
 * rest of the trainer's checkpoint directory in raw state ({@link TrainerArchive} says why). With
 * the source's offsets in the same checkpoint, a restore applies every example exactly once.
 * Version announcements wait for the checkpoint that holds their state ({@link VersionLedger}).
 */
final class TrainingOperator extends AbstractStreamOperator<EncodedRecord>
    implements OneInputStreamOperator<FeaturizedExample, EncodedRecord>, BoundedOneInput {
  private static final long serialVersionUID = 2L;
  private static final Logger LOG = LoggerFactory.getLogger(TrainingOperator.class);
  static final OutputTag<EncodedRecord> VERSIONS = new OutputTag<>("model-versions") {
    private static final long serialVersionUID = 1L;
  };

  /** Click-to-step freshness statistics cover the steps of the last minute. */
  private static final long FRESHNESS_WINDOW_MS = 60_000;

  private final ModelConfig config;
  private final String modelName;
  private final String modelStore;
  private final String inputTopic;
  private final long seed;
  private final int metricsEverySteps;
  private final int versionEverySteps;

  private transient DualEncoderTrainer trainer;
  private transient VersionLedger versions;
  private transient ListState<TrainingSnapshot> state;
  private transient Path scratch;
  private transient List<TrainingPair> batch;
  private transient SortedMap<Integer, Long> nextOffsets;
  private transient long newestEventTime;
  private transient long examplesApplied;
  private transient long lastVersionStep;
  private transient List<byte[]> restoredAnnouncements;
  private transient boolean finished;
  private transient double lossSum;
  private transient int lossSteps;
  private transient long windowStartNanos;
  private transient long windowExamples;
  private transient ClickToStepFreshness freshness;

  TrainingOperator(TrainerOptions options) {
    this.config = options.model();
    this.modelName = options.modelName();
    this.modelStore = options.modelStore().toString();
    this.inputTopic = options.topics().input().name();
    this.seed = options.seed();
    this.metricsEverySteps = options.metricsEverySteps();
    this.versionEverySteps = options.versionEverySteps();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    state = context.getOperatorStateStore().getListState(
        new ListStateDescriptor<>(CheckpointLocator.TRAINING_STATE_NAME, TrainingSnapshotSerializer.INSTANCE));
    scratch = Files.createTempDirectory(scratchRoot(), "dualstream-trainer-");
    ModelPublisher publisher = new ModelPublisher(Path.of(modelStore), modelName, seed);
    TrainingSnapshot restored = onlyElement(state.get());
    if (restored == null) {
      trainer = DualEncoderTrainer.create(config, seed);
      versions = VersionLedger.fresh(publisher);
      batch = new ArrayList<>(config.batchSize());
      nextOffsets = new TreeMap<>();
      restoredAnnouncements = List.of();
      return;
    }
    String source = "checkpoint " + context.getRestoredCheckpointId().orElse(-1L);
    trainer = TrainerArchive.restore(context.getRawOperatorStateInputs(), restored, scratch.resolve("restore"), source);
    checkRestored(restored, source);
    batch = new ArrayList<>(restored.partialBatch());
    nextOffsets = new TreeMap<>(restored.nextOffsets());
    newestEventTime = restored.newestEventTimeMs();
    examplesApplied = restored.examplesApplied();
    lastVersionStep = restored.lastVersionStep();
    versions = VersionLedger.restored(publisher, restored.lastVersion(), restored.pendingVersions());
    restoredAnnouncements = versions.afterRestore();
    LOG.info("restored {} from {}: step {}, {} examples applied, {} in the partial batch, offsets {}", modelName,
        source, trainer.steps(), examplesApplied, batch.size(), nextOffsets);
  }

  private void checkRestored(TrainingSnapshot restored, String source) {
    if (!restored.modelName().equals(modelName)) {
      throw new IllegalStateException(source + " trains model '" + restored.modelName() + "', not '" + modelName + "'");
    }
    if (!trainer.config().equals(config)) {
      throw new IllegalStateException(source + " was taken with another model configuration; restore with the same"
          + " one.\n  checkpoint: " + trainer.config().toJson() + "\n  requested: " + config.toJson());
    }
    if (trainer.steps() != restored.steps() || trainer.examples() != restored.examplesApplied()) {
      throw new IllegalStateException(source + " is inconsistent: its model is at step " + trainer.steps() + " with "
          + trainer.examples() + " examples, its counters say step " + restored.steps() + " with "
          + restored.examplesApplied());
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    getMetricGroup().gauge("examplesApplied", (Gauge<Long>) () -> examplesApplied);
    getMetricGroup().gauge("steps", (Gauge<Long>) () -> trainer.steps());
    freshness = new ClickToStepFreshness(FRESHNESS_WINDOW_MS, System::currentTimeMillis);
    freshness.arrivedUnknown(batch.size());
    getMetricGroup().histogram(ClickToStepFreshness.METRIC, freshness);
    windowStartNanos = System.nanoTime();
    LOG.info("training {} on {}", modelName, trainer.describeDevice());
    emitVersions(restoredAnnouncements);
    restoredAnnouncements = List.of();
  }

  @Override
  public void processElement(StreamRecord<FeaturizedExample> element) {
    FeaturizedExample example = element.getValue();
    batch.add(new TrainingPair(example.queryIds, example.docIds));
    nextOffsets.merge(example.partition, example.offset + 1, Math::max);
    newestEventTime = Math.max(newestEventTime, example.eventTime);
    freshness.arrived(example.eventTime);
    if (batch.size() >= config.batchSize()) {
      step();
    }
  }

  @Override
  public void endInput() {
    if (batch.size() >= 2) {
      step();
    }
    emitMetrics();
    // The final state becomes a version, with its optimizer state so training can resume from it,
    // unless a periodic version already holds exactly this state.
    if (trainer.steps() > lastVersionStep) {
      publishVersion(true);
    }
    emitVersions(versions.endOfInput());
    finished = true;
  }

  private void step() {
    StepResult result = trainer.step(batch);
    freshness.applied(batch.size());
    examplesApplied += batch.size();
    windowExamples += batch.size();
    batch.clear();
    lossSum += result.loss();
    lossSteps++;
    if (trainer.steps() % metricsEverySteps == 0) {
      emitMetrics();
    }
    if (versionEverySteps > 0 && trainer.steps() % versionEverySteps == 0) {
      publishVersion(false);
    }
  }

  private void emitMetrics() {
    if (lossSteps == 0) {
      return;
    }
    long now = System.nanoTime();
    double seconds = Math.max(1e-9, (now - windowStartNanos) / 1e9);
    TrainingMetrics metrics = TrainingMetrics.newBuilder()
        .setModel(modelName)
        .setStep(trainer.steps())
        .setExamples(trainer.examples())
        .setLoss(lossSum / lossSteps)
        .setLearningRate(config.learningRate())
        .setExamplesPerS(windowExamples / seconds)
        .setEventTimeLagMs(newestEventTime == 0 ? 0 : Math.max(0, System.currentTimeMillis() - newestEventTime))
        .setTimestamp(Instant.now())
        .build();
    output.collect(new StreamRecord<>(EncodedRecord.of(Topics.TRAINING_METRICS, modelName, metrics)));
    lossSum = 0;
    lossSteps = 0;
    windowExamples = 0;
    windowStartNanos = now;
  }

  /** Writes a version now; it is announced once a checkpoint holding this state completes. */
  private void publishVersion(boolean withOptimizer) {
    ModelVersion version = versions.publisher().publish(trainer, inputTopic, nextOffsets, withOptimizer);
    LOG.info("wrote {} version {} at step {} ({}); announced after the next checkpoint", modelName,
        version.getVersion(), version.getStep(), version.getUri());
    versions.written(version.getVersion(), Topics.MODEL_VERSIONS.codec().encode(version));
    lastVersionStep = trainer.steps();
  }

  private void emitVersions(List<byte[]> announcements) {
    Topic<String, ModelVersion> topic = Topics.MODEL_VERSIONS;
    for (byte[] value : announcements) {
      LOG.info("announcing {} version {}", modelName, topic.codec().decode(value).getVersion());
      output.collect(VERSIONS, new StreamRecord<>(
          new EncodedRecord(modelName.getBytes(StandardCharsets.UTF_8), value)));
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    long id = context.getCheckpointId();
    versions.checkpointing(id);
    OperatorStateCheckpointOutputStream out = context.getRawOperatorStateOutput();
    out.startNewPartition();
    StateArchive.Digest digest = TrainerArchive.save(trainer, provenance(), scratch.resolve("chk-" + id), out);
    state.update(List.of(new TrainingSnapshot(modelName, trainer.steps(), examplesApplied, batch, inputTopic,
        nextOffsets, newestEventTime, versions.lastVersion(), lastVersionStep, versions.snapshot(), digest.bytes(),
        digest.sha256())));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    emitVersions(versions.checkpointCompleted(checkpointId, !finished));
  }

  private Map<String, String> provenance() {
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put("model", modelName);
    provenance.put("seed", Long.toString(seed));
    nextOffsets.forEach((partition, offset) ->
        provenance.put("offset." + inputTopic + "-" + partition, Long.toString(offset)));
    return provenance;
  }

  /** Flink's temporary directory ({@code io.tmp.dirs}): snapshots pass through it, 0.8 GB at default sizes. */
  private Path scratchRoot() {
    String[] dirs = getContainingTask().getEnvironment().getIOManager().getSpillingDirectoriesPaths();
    return Path.of(dirs.length > 0 ? dirs[0] : System.getProperty("java.io.tmpdir"));
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
      if (trainer != null) {
        trainer.close();
      }
      if (scratch != null) {
        TrainerArchive.deleteTree(scratch);
      }
    } finally {
      super.close();
    }
  }
}
