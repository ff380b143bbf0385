package dev.dualstream.trainer.checkpoint;

import java.io.IOException;

/** A checkpoint, or the trainer's part of one, is damaged or incomplete; the message names the file. */
public final class CorruptCheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptCheckpointException(String message) {
    super(message);
  }

  public CorruptCheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
