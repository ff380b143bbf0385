package dev.dualstream.ingest;

/** Durations as people read them in dead-letter reasons: {@code 750ms}, {@code 42s}, {@code 3m 05s}, {@code 2d 4h}. */
final class Durations {
  private Durations() {}

  static String format(long millis) {
    if (millis < 0) {
      return "-" + format(-millis);
    }
    if (millis < 1_000) {
      return millis + "ms";
    }
    long s = millis / 1_000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3_600) {
      return String.format("%dm %02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format("%dh %02dm", s / 3_600, (s % 3_600) / 60);
    }
    return String.format("%dd %dh", s / 86_400, (s % 86_400) / 3_600);
  }
}
