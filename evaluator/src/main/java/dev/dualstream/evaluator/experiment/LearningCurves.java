package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.report.CurvePoint;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an experiment records for a report besides its final table: each model's test metrics at a few
 * points along its training (the final evaluation among them), and the final evaluation's TREC run files.
 * An experiment run without a report records nothing and pays nothing.
 */
public final class LearningCurves {
  private static final LearningCurves NONE = new LearningCurves(0, null);

  private final int points;
  private final Path runFiles;
  private final List<CurvePoint> curve = new ArrayList<>();

  private LearningCurves(int points, Path runFiles) {
    this.points = points;
    this.runFiles = runFiles;
  }

  /** Records nothing. */
  public static LearningCurves none() {
    return NONE;
  }

  /**
   * Evaluates each model {@code points} times along its training, evenly spaced, besides the final evaluation,
   * and writes the final evaluation's run files into {@code runFiles}.
   */
  public static LearningCurves of(int points, Path runFiles) {
    if (points < 0) {
      throw new IllegalArgumentException("points along training must be 0 or more, got " + points);
    }
    return new LearningCurves(points, runFiles);
  }

  /** Whether this records anything. */
  public boolean enabled() {
    return this != NONE;
  }

  /** Whether the model is evaluated after step {@code step} (0-based) of {@code steps}, short of the last. */
  boolean due(int step, int steps) {
    if (!enabled() || step + 1 >= steps) {
      return false;
    }
    for (int k = 1; k <= points; k++) {
      if (step + 1 == (int) ((long) k * steps / (points + 1))) {
        return true;
      }
    }
    return false;
  }

  /** Where the final evaluation writes its run files, if anywhere. */
  Optional<Path> runFiles() {
    return Optional.ofNullable(runFiles);
  }

  synchronized void add(String system, long examples, Instant eventTime, MetricSummary metrics) {
    if (enabled()) {
      curve.add(new CurvePoint(system, examples, eventTime, metrics));
    }
  }

  /** The points recorded so far, in the order recorded. */
  public synchronized List<CurvePoint> points() {
    return List.copyOf(curve);
  }

  /** The event time of the newest of the first {@code n} examples, or null if none has one. */
  static Instant newestEventTime(List<ClickLogExamples.Example> examples, int n) {
    long newest = Long.MIN_VALUE;
    for (int i = 0; i < Math.min(n, examples.size()); i++) {
      newest = Math.max(newest, examples.get(i).eventTimeMillis());
    }
    return newest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(newest);
  }
}
