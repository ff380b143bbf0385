package dev.dualstream.deploy.stack;

import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The ingest stage in a child JVM, run as an operator runs it: {@link IngestApp}'s main with every option on
 * its command line, its output in a log file. Being a {@link ChildJvm}, it dies with this JVM. Tests use it
 * to crash ingest ({@link #kill()}) and start it again on the same state directory.
 */
public final class IngestProcess implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path log;

  private IngestProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts ingest against {@code bootstrapServers} with {@code options}; returns at once. Ingest checks its
   * topics first and exits (status 2, the reason in the log) if they are missing.
   *
   * @throws IOException if the {@code java} command cannot be started
   */
  public static IngestProcess start(String bootstrapServers, IngestOptions options, Path log) throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--bootstrap.servers=" + bootstrapServers);
    for (Map.Entry<String, String> e : options.values().entrySet()) {
      args.add("--" + e.getKey() + "=" + e.getValue());
    }
    Process process = ChildJvm.of(IngestApp.class.getName()).args(args.toArray(String[]::new))
        .jvmOptions("-Xms64m", "-Xmx512m", "-Dlog4j2.configurationFile=log4j2-ingest.xml")
        .log(log)
        .start();
    return new IngestProcess(process, log);
  }

  public long pid() {
    return process.pid();
  }

  /** Where the process writes its output. */
  public Path log() {
    return log;
  }

  /** The exit status once the process has ended by itself or been stopped; empty while it runs. */
  public OptionalInt exitStatus() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** Kills ingest as a crash would (SIGKILL: no clean close, no commit) and returns once it is gone. */
  public void kill() {
    ChildJvm.kill(process);
  }

  /** Stops ingest cleanly (SIGTERM: its shutdown hook closes Kafka Streams), killing it after 30 s. */
  @Override
  public void close() {
    ChildJvm.stop(process, STOP_TIMEOUT);
  }

  @Override
  public String toString() {
    return "ingest (pid " + process.pid() + ", log " + log + ")";
  }
}
