package dev.dualstream.deploy.cli;

/** A failure the user can fix (bad input, a port in use); printed as one line, without a stack trace. */
public final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
