package dev.dualstream.trainer.job;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ReplaySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the training job needs, parsed once at the entry point. Model hyper-parameters live in
 * {@link ModelConfig}; this record holds the job's plumbing.
 *
 * @param kafka the Kafka cluster the job reads and writes, and how it authenticates
 * @param modelStore directory under which versions are written, one directory per version
 * @param groupId Kafka consumer group of the job's source
 * @param bounded stop at the end offsets the source sees at start (a finite run), instead of running forever
 * @param seed seed of every random choice in training (initialisation, sampling)
 * @param decodeParallelism parallel subtasks decoding and featurizing ahead of the single trainer
 * @param metricsEverySteps emit {@code training.metrics} every this many steps
 * @param versionEverySteps publish a model version every this many steps (0: only at the end of a bounded run)
 * @param versionInterval and no sooner than this after the previous one (zero: as the steps say), so that a
 *     trainer catching up on a backlog, thousands of steps a minute, does not write a version every second;
 *     versions also wait for the previous one to be written (in deterministic mode the trainer waits instead)
 * @param model the model's hyper-parameters
 * @param topics the topics read and written
 * @param deterministic the same input gives bit-identical parameters: one source, decoder and trainer
 *     subtask in input order, one compute thread, and an input topic of one partition
 * @param checkpoints checkpointing, recovery and exactly-once output
 * @param featureCacheMb heap, in MiB, that each decoding subtask may spend remembering the feature ids
 *     of the queries and documents it saw last, so that repeated ones are not featurized again
 *     (0: none); default {@value #DEFAULT_FEATURE_CACHE_MB}, which holds the texts and ids of some
 *     40,000 documents of a few hundred characters
 * @param feederNice nice value (0 to 19) of the threads that feed the trainer, the Kafka source and
 *     the decoders, so that they take the cores the training step leaves idle instead of slowing it
 *     down (Linux; 0: same priority as the step); default {@value #DEFAULT_FEEDER_NICE}
 * @param replay how the trainer revisits pairs it applied while no new batch waits (off by default)
 * @param keepVersions committed model versions the store keeps, the newest, besides those a reader holds
 *     a {@code VersionLease} on; 0 keeps every version; default {@value #DEFAULT_KEEP_VERSIONS}
 * @param students distilled students trained beside the model, each on the model's candidates and scores
 *     (see {@link Classroom}); each is a model of its own, with its versions and metrics; none by default
 */
public record TrainerOptions(
    KafkaConnection kafka,
    Path modelStore,
    String groupId,
    boolean bounded,
    long seed,
    int decodeParallelism,
    int metricsEverySteps,
    int versionEverySteps,
    Duration versionInterval,
    ModelConfig model,
    TrainerTopics topics,
    boolean deterministic,
    CheckpointSettings checkpoints,
    int featureCacheMb,
    int feederNice,
    ReplaySettings replay,
    int keepVersions,
    List<StudentSpec> students) {

  /** Default of {@link #featureCacheMb}. */
  public static final int DEFAULT_FEATURE_CACHE_MB = 64;

  /** Default of {@link #keepVersions}: at default sizes a version takes 256 MB, or 540 MB with its optimizer. */
  public static final int DEFAULT_KEEP_VERSIONS = 10;

  /** Default of {@link #feederNice}. */
  public static final int DEFAULT_FEEDER_NICE = 19;

  public TrainerOptions {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(modelStore, "modelStore");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(checkpoints, "checkpoints");
    Objects.requireNonNull(replay, "replay").requireBatch(model.batchSize());
    if (!model.modelName().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException(
          "model name '" + model.modelName() + "' must be letters, digits, '.', '_' or '-'");
    }
    if (decodeParallelism < 1) {
      throw new IllegalArgumentException("decode parallelism must be at least 1, got " + decodeParallelism);
    }
    if (metricsEverySteps < 1) {
      throw new IllegalArgumentException("metrics interval must be at least 1 step, got " + metricsEverySteps);
    }
    if (featureCacheMb < 0) {
      throw new IllegalArgumentException("feature cache must be 0 or more MiB, got " + featureCacheMb);
    }
    FeederPriority.requireNice(feederNice);
    if (keepVersions < 0) {
      throw new IllegalArgumentException("versions kept must be 0 (all) or more, got " + keepVersions);
    }
    students = List.copyOf(Objects.requireNonNull(students, "students"));
    Classroom.check(model, students);
    for (StudentSpec student : students) {
      if (!student.name().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
        throw new IllegalArgumentException("student name '" + student.name() + "' must be letters, digits, '.', '_'"
            + " or '-'");
      }
    }
    Objects.requireNonNull(versionInterval, "versionInterval");
    if (versionInterval.isNegative()) {
      throw new IllegalArgumentException("version interval must be zero or more, got " + versionInterval);
    }
    if (versionEverySteps < 0) {
      throw new IllegalArgumentException("version interval must be 0 or more steps, got " + versionEverySteps);
    }
  }

  /** Name of the model; key of its metrics and versions. */
  public String modelName() {
    return model.modelName();
  }

  /** Defaults for everything but the Kafka cluster. */
  public static TrainerOptions defaults(KafkaConnection kafka) {
    return new TrainerOptions(kafka, Path.of("var", "models"), "dualstream-trainer",
        false, 42L, 2, 20, 0, Duration.ZERO, ModelConfig.defaults(), TrainerTopics.defaults(), false, CheckpointSettings.defaults(),
        DEFAULT_FEATURE_CACHE_MB, DEFAULT_FEEDER_NICE, ReplaySettings.OFF, DEFAULT_KEEP_VERSIONS, List.of());
  }

  public TrainerOptions withBounded(boolean value) {
    return new TrainerOptions(kafka, modelStore, groupId, value, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withModelStore(Path value) {
    return new TrainerOptions(kafka, value, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withModel(ModelConfig value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, value, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withSeed(long value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, value, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withGroupId(String value) {
    return new TrainerOptions(kafka, modelStore, value, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withIntervals(int metricsSteps, int versionSteps) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsSteps, versionSteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  /** Versions no sooner than {@code value} after the previous one (see {@link #versionInterval}). */
  public TrainerOptions withVersionInterval(Duration value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, value, model, topics, deterministic, checkpoints, featureCacheMb,
        feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withDecodeParallelism(int value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, value,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withTopics(TrainerTopics value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, value, deterministic, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withDeterministic(boolean value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, value, checkpoints, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withCheckpoints(CheckpointSettings value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, value, featureCacheMb, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withFeatureCacheMb(int value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, value, feederNice, replay, keepVersions, students);
  }

  public TrainerOptions withFeederNice(int value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, value, replay, keepVersions, students);
  }

  public TrainerOptions withReplay(ReplaySettings value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice,
        value, keepVersions, students);
  }

  public TrainerOptions withKeepVersions(int value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice,
        replay, value, students);
  }

  /** These options with these students beside the model. */
  public TrainerOptions withStudents(List<StudentSpec> value) {
    return new TrainerOptions(kafka, modelStore, groupId, bounded, seed, decodeParallelism,
        metricsEverySteps, versionEverySteps, versionInterval, model, topics, deterministic, checkpoints, featureCacheMb, feederNice,
        replay, keepVersions, value);
  }

  /** {@link #featureCacheMb} in bytes. */
  long featureCacheBytes() {
    return featureCacheMb * (1L << 20);
  }
}
