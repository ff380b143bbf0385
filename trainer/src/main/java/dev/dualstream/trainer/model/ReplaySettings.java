package dev.dualstream.trainer.model;

import java.io.Serializable;

/**
 * How a trainer revisits pairs it applied before ({@link ReplayBuffer}): after each step on new pairs, up to
 * {@code batchesPerStep} steps on batches drawn from the newest {@code capacity} pairs. A streaming trainer
 * replays only while no new batch waits, so replays never delay new examples by more than one step; a
 * deterministic run replays every time, so that its result does not depend on timing.
 *
 * @param batchesPerStep replayed batches after each new one, at most; 0 turns replay off
 * @param capacity pairs kept to draw from (the newest ones); at least one batch when replay is on
 */
public record ReplaySettings(int batchesPerStep, int capacity) implements Serializable {
  public static final ReplaySettings OFF = new ReplaySettings(0, 0);

  /** Pairs a buffer keeps unless told otherwise: at the loop's rate, the last twenty minutes or so. */
  public static final int DEFAULT_CAPACITY = 32_768;

  /** The most replayed batches per new one: more would train mostly on the past. */
  public static final int MAX_BATCHES_PER_STEP = 64;

  public ReplaySettings {
    if (batchesPerStep < 0 || batchesPerStep > MAX_BATCHES_PER_STEP) {
      throw new IllegalArgumentException("replayed batches per step must be in 0.." + MAX_BATCHES_PER_STEP
          + ", got " + batchesPerStep);
    }
    if (capacity < 0) {
      throw new IllegalArgumentException("the replay buffer's capacity must not be negative, got " + capacity);
    }
    if (batchesPerStep > 0 && capacity == 0) {
      throw new IllegalArgumentException("replay needs a buffer: capacity 0 with " + batchesPerStep
          + " replayed batches per step");
    }
  }

  public boolean enabled() {
    return batchesPerStep > 0;
  }

  /** Checks that the buffer holds at least a batch of distinct pairs. */
  public ReplaySettings requireBatch(int batchSize) {
    if (enabled() && capacity < batchSize) {
      throw new IllegalArgumentException("the replay buffer (" + capacity + " pairs) must hold at least one batch ("
          + batchSize + ")");
    }
    return this;
  }

  /** For reports: "off", or "N batches per step from the newest M pairs". */
  public String describe() {
    return enabled() ? batchesPerStep + " replayed batches per step from the newest " + capacity + " pairs" : "off";
  }
}
