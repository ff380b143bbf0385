package dev.dualstream.evaluator.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.report.ReportPage;

/** What an experiment reports: a table for the console, JSON for a file, and a report page. */
public interface ExperimentOutcome {
  /**
   * The report page: {@code curves} are what {@link LearningCurves} recorded during the run (each system's last
   * point is its final result), the tables and JSON this outcome's own.
   */
  ReportPage page(List<CurvePoint> curves);

  /** A fixed-width table, one setting per line. */
  String table();

  /** The results as JSON, ending with a line break. */
  String toJson();

  /** Writes {@link #toJson()} to {@code file}. */
  default void writeJson(Path file) {
    try {
      Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
