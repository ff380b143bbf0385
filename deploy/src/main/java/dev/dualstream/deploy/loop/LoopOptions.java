package dev.dualstream.deploy.loop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code dualstream up} runs.
 *
 * @param dataset a BEIR directory: its corpus is searched, its train queries simulated, dev and test scored
 * @param workDir broker data, ingest state, checkpoints, models and logs; emptied at start
 * @param kafkaPort the local broker's port (its controller takes the next)
 * @param duration how long to run; null until Ctrl-C
 * @param rate simulated searches per second
 * @param seed seed of the simulator and of training
 * @param versionEvery the trainer publishes a version every this many steps
 * @param checkpointInterval the trainer's checkpoint interval (versions and metrics become visible at each)
 * @param evalQueries queries of each split the evaluator scores; 0 for all
 * @param reportJson where to write the versions' results at the end, if anywhere
 */
public record LoopOptions(Path dataset, Path workDir, int kafkaPort, Duration duration, double rate, long seed,
    int versionEvery, Duration checkpointInterval, int evalQueries, Optional<Path> reportJson) {

  public LoopOptions {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    Objects.requireNonNull(reportJson, "reportJson");
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw new IllegalArgumentException("--duration must be positive");
    }
    if (!(rate > 0)) {
      throw new IllegalArgumentException("--rate must be above 0, got " + rate);
    }
    if (versionEvery < 1) {
      throw new IllegalArgumentException("--version-every must be at least 1, got " + versionEvery);
    }
    if (evalQueries < 0) {
      throw new IllegalArgumentException("--eval-queries must be 0 (all) or positive, got " + evalQueries);
    }
  }
}
