package dev.dualstream.deploy.stack;

import dev.dualstream.schemas.KafkaConnection;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts a main class in a child JVM that never outlives this one, even after {@code kill -9} of this JVM:
 * the child runs {@link ParentLifeline} first, which halts it when this JVM's end of its standard input
 * closes. The child gets this JVM's class path, or the one given (through the {@code CLASSPATH} environment
 * variable, not {@code -cp}: the class path is long and would fill every process listing), runs offline (DJL
 * and its tracking are told so, in case anything on the class path loads DJL), and writes its output,
 * standard error included, to a log file it appends to.
 *
 * <pre>{@code
 * Process child = ChildJvm.of("kafka.Kafka").args("server.properties").jvmOptions("-Xmx768m")
 *     .log(dir.resolve("broker.log")).start();
 * ...
 * ChildJvm.stop(child, Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Keep the returned {@link Process}, and never close its output stream: that stream is the lifeline.
 */
public final class ChildJvm {
  private final String mainClass;
  private final List<String> args = new ArrayList<>();
  private final List<String> jvmOptions = new ArrayList<>();
  private final Map<String, String> environment = new LinkedHashMap<>();
  private Path log;
  private Consumer<String> echo;
  private String classPath = System.getProperty("java.class.path");

  private ChildJvm(String mainClass) {
    this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
  }

  /** A child that will run {@code mainClass}, which must be on this JVM's class path. */
  public static ChildJvm of(String mainClass) {
    return new ChildJvm(mainClass);
  }

  /** Arguments for the main class. */
  public ChildJvm args(String... values) {
    args.addAll(List.of(values));
    return this;
  }

  /** Options for the child's {@code java} command, before the main class, such as {@code -Xmx512m}. */
  public ChildJvm jvmOptions(String... options) {
    jvmOptions.addAll(List.of(options));
    return this;
  }

  /** An environment variable for the child, beside this JVM's own environment. */
  public ChildJvm environment(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /**
   * The child's class path instead of this JVM's; it must hold {@link ParentLifeline} and the main class.
   */
  public ChildJvm classPath(List<String> entries) {
    this.classPath = String.join(File.pathSeparator, entries);
    return this;
  }

  /** Where the child's standard output and error go (appended); required. */
  public ChildJvm log(Path file) {
    this.log = Objects.requireNonNull(file, "file");
    return this;
  }

  /**
   * Also hands each line of the child's output to {@code lines} (from a thread of its own, as the line
   * comes), besides appending it to the log.
   */
  public ChildJvm echo(Consumer<String> lines) {
    this.echo = Objects.requireNonNull(lines, "lines");
    return this;
  }

  /** The command line this child runs with. */
  List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.awt.headless=true");
    command.add("-Dai.djl.offline=true");
    command.addAll(jvmOptions);
    command.add(ParentLifeline.class.getName());
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /**
   * Starts the child; returns at once, without waiting for its main to do anything.
   *
   * @throws IOException if the {@code java} command cannot be started
   */
  public Process start() throws IOException {
    if (log == null) {
      throw new IllegalStateException("no log file for " + mainClass);
    }
    ProcessBuilder builder = new ProcessBuilder(command())
        .redirectInput(ProcessBuilder.Redirect.PIPE) // the lifeline: its write end stays in this JVM
        .redirectErrorStream(true)
        .redirectOutput(echo == null ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.PIPE);
    Map<String, String> env = builder.environment();
    env.put("CLASSPATH", classPath);
    env.put("DJL_OFFLINE", "true");
    env.put("OPT_OUT_TRACKING", "true");
    // Children of the local stack talk to its PLAINTEXT broker: a user's security file, meant for their
    // own cluster, must not follow them there (a child that needs one gets it through environment()).
    env.remove(KafkaConnection.SECURITY_FILE_ENV);
    env.putAll(environment);
    Process process = builder.start();
    if (echo != null) {
      Thread pump = new Thread(() -> pump(process.getInputStream(), log, echo), mainClass + "-output");
      pump.setDaemon(true);
      pump.start();
    }
    return process;
  }

  /** Copies the child's output to the log and to {@code echo}, line by line, until the child closes it. */
  private static void pump(InputStream output, Path log, Consumer<String> echo) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
        BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        file.write(line);
        file.newLine();
        file.flush();
        echo.accept(line);
      }
    } catch (IOException e) {
      echo.accept("(output lost: " + e.getMessage() + ")");
    }
  }

  /**
   * Stops a child gently: SIGTERM, so that its shutdown hooks run, and SIGKILL if it is still there after
   * {@code grace}; returns once it is gone (or this thread is interrupted, after killing it).
   */
  public static void stop(Process process, Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    // Not Process.destroy(): after the signal it closes the pipes to the child, its standard input among them,
    // which is the child's lifeline, so the child would halt at once instead of running its shutdown hooks.
    process.toHandle().destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Kills a child as a crash would (SIGKILL: no shutdown hooks) and returns once it is gone. */
  public static void kill(Process process) {
    process.destroyForcibly();
    boolean interrupted = false;
    while (true) {
      try {
        process.waitFor();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the process is going anyway; waiting is short
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
