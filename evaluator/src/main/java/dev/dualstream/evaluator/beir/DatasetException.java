package dev.dualstream.evaluator.beir;

/**
 * A dataset could not be read: a file is missing or unreadable, or a line is malformed. The message
 * names the file and, where there is one, the line; it is meant for the user as it stands.
 */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
