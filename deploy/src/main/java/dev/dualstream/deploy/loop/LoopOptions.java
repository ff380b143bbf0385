package dev.dualstream.deploy.loop;

import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.evaluator.simulate.UserInterests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * @param students distilled students the trainer trains beside the model ({@code train --student SPEC}); each is
 *     scored like the model
 * @param serve the model whose newest version the simulator's search serves: the model, or a student by name
 * @param userInterests the simulated users' topics, as {@code simulate --user-interests} reads them ({@code off}:
 *     a search's user is independent of its query)
 */
public record LoopOptions(Path dataset, Path workDir, int kafkaPort, Duration duration, double rate, long seed,
    int versionEvery, Duration checkpointInterval, int evalQueries, Optional<Path> reportJson, List<String> students,
    String serve, String userInterests) {

  /** The loop without students, serving the model. */
  public LoopOptions(Path dataset, Path workDir, int kafkaPort, Duration duration, double rate, long seed,
      int versionEvery, Duration checkpointInterval, int evalQueries, Optional<Path> reportJson) {
    this(dataset, workDir, kafkaPort, duration, rate, seed, versionEvery, checkpointInterval, evalQueries, reportJson,
        List.of(), ModelConfig.DEFAULT_MODEL_NAME, "off");
  }

  public LoopOptions {
    Objects.requireNonNull(dataset, "dataset");
    // Checked here, in one line, rather than by the simulator once the loop runs.
    UserInterests.parse(userInterests);
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
    students = List.copyOf(students);
    Objects.requireNonNull(serve, "serve");
    List<String> names = studentNames(students);
    if (!serve.equals(ModelConfig.DEFAULT_MODEL_NAME) && !names.contains(serve)) {
      throw new IllegalArgumentException("--serve " + serve + ": serve the model (" + ModelConfig.DEFAULT_MODEL_NAME
          + ") or a student of --student " + names);
    }
  }

  /** The names of students given as {@code NAME[:KEY=VALUE,...]}. */
  static List<String> studentNames(List<String> specs) {
    return specs.stream().map(s -> s.contains(":") ? s.substring(0, s.indexOf(':')) : s).toList();
  }
}
