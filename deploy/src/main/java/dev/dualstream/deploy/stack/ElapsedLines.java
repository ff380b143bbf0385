package dev.dualstream.deploy.stack;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/** Progress lines of a bounded run, each led by the seconds since the run began: {@code [  12.3s] ...}. */
public final class ElapsedLines {
  private final Consumer<String> sink;
  private final long startNanos = System.nanoTime();

  public ElapsedLines(Consumer<String> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** Formats a line ({@link String#format}) and hands it on with the elapsed time in front. */
  public void say(String format, Object... args) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    sink.accept(String.format(Locale.ROOT, "[%6.1fs] ", seconds) + String.format(Locale.ROOT, format, args));
  }
}
