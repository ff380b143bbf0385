package dev.dualstream.deploy.stack;

/**
 * The local Flink cluster could not start: a port is taken, or a process exited or did not register in time.
 * The message is written for the user of the CLI, who should see it without a stack trace, and names the log
 * to read when a process itself failed.
 */
public final class FlinkStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FlinkStartException(String message) {
    super(message);
  }

  public FlinkStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
