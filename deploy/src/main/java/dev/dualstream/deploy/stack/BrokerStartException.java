package dev.dualstream.deploy.stack;

/**
 * The local Kafka broker could not start. The message is written for the user of the CLI, who should see
 * it without a stack trace: what went wrong and what to do, followed by the tail of the broker's log when
 * the broker itself failed.
 */
public final class BrokerStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BrokerStartException(String message) {
    super(message);
  }

  public BrokerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
