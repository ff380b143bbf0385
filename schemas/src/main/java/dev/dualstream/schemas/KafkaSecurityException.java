package dev.dualstream.schemas;

/** A Kafka connection that cannot be set up as configured; the message says why in one line. */
public final class KafkaSecurityException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public KafkaSecurityException(String message) {
    super(message);
  }

  public KafkaSecurityException(String message, Throwable cause) {
    super(message, cause);
  }
}
