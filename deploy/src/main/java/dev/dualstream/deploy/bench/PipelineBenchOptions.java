package dev.dualstream.deploy.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the pipeline benchmark runs on and how long.
 *
 * @param dataset a BEIR directory whose train pairs are replayed
 * @param workDir broker data, checkpoints and model store; emptied at start
 * @param kafkaPort the broker's port on 127.0.0.1 (its controller takes the next one)
 * @param backlog examples published before the job starts, for the throughput phase: the first half
 *     warms the job up, the second half is cut into {@code bareWindows - 1} timed stretches
 * @param rate examples per second in the freshness phase
 * @param warmupSeconds paced replay before the measured minute of the freshness phase
 * @param decodeParallelism parallel decode-and-featurize subtasks
 * @param batchSize pairs per training step
 * @param threads compute threads of the trainer
 * @param seed seed of the pair order and the initial weights
 * @param checkpointInterval the job's checkpoint interval
 * @param bareWindows timed windows of the bare loop, taking turns with the job's stretches
 * @param featureCacheMb heap per decoding subtask for remembered feature ids (0: none)
 * @param feederNice nice value of the job's source and decoder threads (0: same as the step's)
 * @param fullCheckpointEvery the job's incremental checkpoints: a full one every N (0: every checkpoint full)
 * @param versionEverySteps the job publishes a model version every this many steps
 * @param versionInterval and no sooner than this after the previous one
 * @param buckets rows of the model's embedding table (hash buckets of the features)
 */
public record PipelineBenchOptions(
    Path dataset,
    Path workDir,
    int kafkaPort,
    long backlog,
    double rate,
    double warmupSeconds,
    int decodeParallelism,
    int batchSize,
    int threads,
    long seed,
    Duration checkpointInterval,
    int bareWindows,
    int featureCacheMb,
    int feederNice,
    int fullCheckpointEvery,
    int versionEverySteps,
    Duration versionInterval,
    int buckets) {

  public PipelineBenchOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    if (kafkaPort < 1 || kafkaPort > 65534) {
      throw new IllegalArgumentException("--kafka-port must be between 1 and 65534, got " + kafkaPort);
    }
    if (backlog < 4L * batchSize) {
      throw new IllegalArgumentException("--backlog must be at least 4 batches (" + 4L * batchSize
          + " examples), got " + backlog);
    }
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("--rate must be positive, got " + rate);
    }
    if (!(warmupSeconds >= 0)) {
      throw new IllegalArgumentException("--warmup-seconds must be 0 or more, got " + warmupSeconds);
    }
    if (decodeParallelism < 1 || threads < 1) {
      throw new IllegalArgumentException("--decode-parallelism and --threads must be at least 1");
    }
    if (bareWindows < 2) {
      throw new IllegalArgumentException("--bare-windows must be at least 2 (a stretch of the job runs between two), got "
          + bareWindows);
    }
    if (batchSize >= 2 && (backlog - backlog / 2 - 4L * batchSize) / (bareWindows - 1) < 4L * batchSize) {
      throw new IllegalArgumentException("--backlog " + backlog + " leaves fewer than 4 batches per timed stretch"
          + " (half of it, cut into " + (bareWindows - 1) + "); raise it or lower --bare-windows");
    }
    if (featureCacheMb < 0) {
      throw new IllegalArgumentException("--feature-cache-mb must be 0 or more, got " + featureCacheMb);
    }
    if (feederNice < 0 || feederNice > 19) {
      throw new IllegalArgumentException("--feeder-nice must be 0 (off) to 19, got " + feederNice);
    }
    if (buckets < 1024) {
      throw new IllegalArgumentException("--buckets must be at least 1024, got " + buckets);
    }
    Objects.requireNonNull(versionInterval, "versionInterval");
    if (versionEverySteps < 1) {
      throw new IllegalArgumentException("--version-every must be at least 1 step, got " + versionEverySteps);
    }
    if (fullCheckpointEvery < 0) {
      throw new IllegalArgumentException("--full-checkpoint-every must be 0 (every checkpoint full) or more, got "
          + fullCheckpointEvery);
    }
    if (batchSize < 2) {
      throw new IllegalArgumentException("--batch-size must be at least 2, got " + batchSize);
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("--checkpoint-interval must be positive");
    }
  }
}
