package dev.dualstream.schemas;

import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.SourceOffset;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds {@link DeadLetter} records the same way in every stage. */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * A dead letter for a record that a stage could not process.
   *
   * @param error the failure; its message is the reason (the class name when it has none)
   */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
      String stage, Throwable error, Instant now) {
    String reason = error.getMessage() == null || error.getMessage().isBlank()
        ? error.getClass().getName()
        : error.getMessage();
    return of(topic, partition, offset, key, value, stage, error.getClass().getName(), reason, now);
  }

  /** A dead letter with an explicit error class and reason (for semantic rejections). */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
      String stage, String errorClass, String reason, Instant now) {
    return DeadLetter.newBuilder()
        .setSource(new SourceOffset(topic, partition, offset))
        .setKey(key == null ? null : ByteBuffer.wrap(key.clone()))
        .setValue(value == null ? null : ByteBuffer.wrap(value.clone()))
        .setStage(stage)
        .setErrorClass(errorClass)
        .setReason(reason)
        .setTimestamp(now)
        .build();
  }
}
