package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.experiment.LearningCurves;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --report DIR} and {@code --report-points N}, as every experiment takes them. */
final class ExperimentReportOptions {
  @Option(names = "--report", paramLabel = "DIR",
      description = "Also write a report into DIR: index.html (each metric per model over examples trained and over"
          + " the event time of the newest example, the tables; opens offline), summary.md, report.json (results"
          + " shaped as the demo's, the curves, and the experiment's JSON) and runs/MODEL.run, each model's TREC run"
          + " of the final evaluation on the test split. Scoring along training costs one evaluation per model per"
          + " point.")
  Path dir;

  @Option(names = "--report-points", paramLabel = "N", defaultValue = "3",
      description = "With --report: score every model this many times along its training, evenly spaced, besides the"
          + " final evaluation. Default: ${DEFAULT-VALUE}.")
  int points;

  /** Checks the options; the curves to record (none without --report). */
  LearningCurves curves() {
    if (points < 0) {
      throw new UserError("--report-points must be 0 or more, got " + points);
    }
    PathChecks.requireParentDirectory("--report", dir);
    return dir == null ? LearningCurves.none() : LearningCurves.of(points, dir.resolve("runs"));
  }
}
