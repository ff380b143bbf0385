package dev.dualstream.evaluator.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What an experiment reports: a table for the console and JSON for a file. */
public interface ExperimentOutcome {
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
