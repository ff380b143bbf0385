package dev.dualstream.deploy.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C (or SIGTERM, as {@code up} stops its components) for a long-running command: the JVM's shutdown
 * hook marks the stop as requested, runs the command's own reaction, then waits (up to a bound) until the
 * command has finished and said its last line, since the JVM halts as soon as its hooks return. Close it
 * when the command is done.
 *
 * <pre>{@code
 * try (GracefulStop stop = GracefulStop.install("simulate", Duration.ofSeconds(15), () -> {})) {
 *   ... run while !stop.requested() ...
 *   out.println("simulate: stopped; ...");
 * }
 * }</pre>
 */
final class GracefulStop implements AutoCloseable {
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;

  private GracefulStop(String name, Duration wait, Runnable onRequest) {
    hook = new Thread(() -> {
      requested.set(true);
      onRequest.run();
      try {
        finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "dualstream-" + name + "-stop");
  }

  /**
   * @param wait how long a stop waits for the command to finish before the JVM halts anyway
   * @param onRequest what to do at once when a stop is requested (say, close a client the command waits on)
   */
  static GracefulStop install(String name, Duration wait, Runnable onRequest) {
    GracefulStop stop = new GracefulStop(name, wait, onRequest);
    Runtime.getRuntime().addShutdownHook(stop.hook);
    return stop;
  }

  /** Whether a stop was requested. */
  boolean requested() {
    return requested.get();
  }

  /** The command has finished: a stop under way lets the JVM halt; without one, the hook is removed. */
  @Override
  public void close() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it waited for this
    }
  }
}
