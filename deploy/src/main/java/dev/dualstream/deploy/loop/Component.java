package dev.dualstream.deploy.loop;

import dev.dualstream.deploy.stack.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One component of the loop: a {@code dualstream} command in a child JVM of its own (which dies with this
 * one), its output on the console behind its name and in {@code <name>.log}, its full log in {@code
 * <name>/dualstream.log}. Its arguments may depend on how
 * often it has been started before (the trainer restores from its newest checkpoint after the first start).
 */
final class Component {
  private final String name;
  private final String mainClass;
  private final IntFunction<List<String>> argsByStart;
  private final String heap;
  private final Path log;
  private final Consumer<String> console;
  private Process process;
  private int starts;

  /**
   * @param mainClass the {@code dualstream} command line's main class
   * @param argsByStart the command's arguments for the n-th start (0 first)
   * @param heap the child's maximum heap, e.g. {@code 2g}
   */
  Component(String name, String mainClass, IntFunction<List<String>> argsByStart, String heap, Path logDir,
      Consumer<String> console) {
    this.name = Objects.requireNonNull(name, "name");
    this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
    this.argsByStart = argsByStart;
    this.heap = heap;
    this.log = logDir.resolve(name + ".log");
    this.console = console;
  }

  String name() {
    return name;
  }

  /** Starts (again); the console line says which start this is and why. */
  void start() {
    List<String> args = argsByStart.apply(starts);
    try {
      process = ChildJvm.of(mainClass).args(args.toArray(String[]::new))
          .jvmOptions("-Xmx" + heap, "--add-modules=jdk.incubator.vector", // SIMD exact search, as the launcher
              "-Dlog4j2.configurationFile=log4j2-cli.xml", "-Dlog4j2.StatusLogger.level=ERROR",
              "-Ddualstream.log.dir=" + log.resolveSibling(name))
          .log(log)
          .echo(line -> console.accept(String.format("%-9s| %s", name, line)))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    starts++;
  }

  /** How many times it was started. */
  int starts() {
    return starts;
  }

  /** Its exit status if it has stopped, empty while it runs (or before its first start). */
  OptionalInt exited() {
    return process == null || process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  long pid() {
    return process == null ? -1 : process.pid();
  }

  Path log() {
    return log;
  }

  /** Kills it as a crash would (SIGKILL: no shutdown hooks); returns once it is gone. */
  void kill() {
    if (process != null) {
      ChildJvm.kill(process);
    }
  }

  /** Stops it as Ctrl-C would (its shutdown hooks run), killing it after {@code grace}. */
  void stop(Duration grace) {
    if (process != null) {
      ChildJvm.stop(process, grace);
    }
  }
}
