package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The single training operator: gathers featurized examples into mini-batches, runs one optimizer
 * step per full batch, reports {@link TrainingMetrics} on the main output and publishes a
 * {@link ModelVersion} on {@link #VERSIONS} (both encoded for their topics) every {@code versionEverySteps} steps and at the end of a
 * bounded input. Runs with parallelism 1: DJL allows one gradient collector per JVM.
 */
final class TrainingOperator extends AbstractStreamOperator<EncodedRecord>
    implements OneInputStreamOperator<FeaturizedExample, EncodedRecord>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  static final OutputTag<EncodedRecord> VERSIONS = new OutputTag<>("model-versions") {
    private static final long serialVersionUID = 1L;
  };

  private final ModelConfig config;
  private final String modelName;
  private final String modelStore;
  private final String inputTopic;
  private final long seed;
  private final int metricsEverySteps;
  private final int versionEverySteps;

  private transient DualEncoderTrainer trainer;
  private transient ModelPublisher publisher;
  private transient List<TrainingPair> batch;
  private transient SortedMap<Integer, Long> nextOffsets;
  private transient long newestEventTime;
  private transient double lossSum;
  private transient int lossSteps;
  private transient long windowStartNanos;
  private transient long windowExamples;
  private transient Counter examplesApplied;

  TrainingOperator(TrainerOptions options, String inputTopic) {
    this.config = options.model();
    this.modelName = options.modelName();
    this.modelStore = options.modelStore().toString();
    this.inputTopic = inputTopic;
    this.seed = options.seed();
    this.metricsEverySteps = options.metricsEverySteps();
    this.versionEverySteps = options.versionEverySteps();
  }

  @Override
  public void open() throws Exception {
    super.open();
    trainer = DualEncoderTrainer.create(config, seed);
    publisher = new ModelPublisher(Path.of(modelStore), modelName, seed);
    batch = new ArrayList<>(config.batchSize());
    nextOffsets = new TreeMap<>();
    examplesApplied = getMetricGroup().counter("examplesApplied");
    windowStartNanos = System.nanoTime();
    LOG.info("training {} on {}", modelName, trainer.describeDevice());
  }

  @Override
  public void processElement(StreamRecord<FeaturizedExample> element) {
    FeaturizedExample example = element.getValue();
    batch.add(new TrainingPair(example.queryIds, example.docIds));
    nextOffsets.merge(example.partition, example.offset + 1, Math::max);
    newestEventTime = Math.max(newestEventTime, example.eventTime);
    if (batch.size() >= config.batchSize()) {
      step();
    }
  }

  @Override
  public void endInput() {
    if (batch.size() >= 2) {
      step();
    }
    batch.clear();
    if (trainer.steps() > 0) {
      emitMetrics();
      publishVersion();
    }
  }

  private void step() {
    StepResult result = trainer.step(batch);
    examplesApplied.inc(batch.size());
    windowExamples += batch.size();
    batch.clear();
    lossSum += result.loss();
    lossSteps++;
    if (trainer.steps() % metricsEverySteps == 0) {
      emitMetrics();
    }
    if (versionEverySteps > 0 && trainer.steps() % versionEverySteps == 0) {
      publishVersion();
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

  private void publishVersion() {
    ModelVersion version = publisher.publish(trainer, inputTopic, nextOffsets);
    LOG.info("published {} version {} at step {} ({})", modelName, version.getVersion(), version.getStep(),
        version.getUri());
    output.collect(VERSIONS, new StreamRecord<>(EncodedRecord.of(Topics.MODEL_VERSIONS, modelName, version)));
  }

  @Override
  public void close() throws Exception {
    if (trainer != null) {
      trainer.close();
    }
    super.close();
  }
}
