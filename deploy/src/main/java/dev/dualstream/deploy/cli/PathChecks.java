package dev.dualstream.deploy.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checks every command makes of the paths it is given, with the one-line message a user sees. */
final class PathChecks {
  private PathChecks() {}

  /** {@code path} must be a directory: {@code --dataset x is not a directory}. */
  static void requireDirectory(String option, Path path) {
    if (!Files.isDirectory(path)) {
      throw new UserError(option + " " + path + " is not a directory");
    }
  }

  /** {@code path} must be a readable file: {@code --run x is not a readable file}. */
  static void requireFile(String option, Path path) {
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new UserError(option + " " + path + " is not a readable file");
    }
  }

  /** A file to write, if given, must go into a directory that exists. */
  static void requireParentDirectory(String option, Path file) {
    Path dir = file == null ? null : file.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new UserError(option + " " + file + ": directory " + dir + " does not exist");
    }
  }
}
