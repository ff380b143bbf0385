package dev.dualstream.trainer.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the training job checkpoints, recovers and commits its output.
 *
 * @param directory where checkpoints go, one subdirectory per job; retained on cancel
 * @param interval time between checkpoints; output becomes visible to {@code read_committed}
 *     readers once per interval, and a bounded run waits up to one interval at its end
 * @param timeout a checkpoint taking longer fails
 * @param tolerableFailures consecutive failed checkpoints tolerated; one more fails the job over
 * @param retained completed checkpoints kept, so that a damaged newest one has older fallbacks
 * @param restartAttempts restarts after failures before the job gives up
 * @param restartDelay pause before each restart
 * @param transactionTimeout Kafka transaction timeout of the exactly-once sinks; must exceed
 *     interval + timeout + restart delay and stay within the broker's {@code
 *     transaction.max.timeout.ms}
 * @param restoreFrom a verified checkpoint or savepoint directory to start from, or null
 * @param fullEvery 0: every checkpoint holds the whole trainer (in Flink's raw state), written while training
 *     waits; N > 0: incremental checkpoints, the trainer's state written as links in {@code
 *     directory/trainer-links} by a thread of their own, a base link before the first step, then deltas of the
 *     table rows changed, and a full link compacted from the chain when it has N links (see {@code LinkWriter})
 */
public record CheckpointSettings(
    Path directory,
    Duration interval,
    Duration timeout,
    int tolerableFailures,
    int retained,
    int restartAttempts,
    Duration restartDelay,
    Duration transactionTimeout,
    Path restoreFrom,
    int fullEvery) {

  public CheckpointSettings {
    Objects.requireNonNull(directory, "directory");
    positive("checkpoint interval", interval);
    positive("checkpoint timeout", timeout);
    positive("transaction timeout", transactionTimeout);
    if (restartDelay == null || restartDelay.isNegative()) {
      throw new IllegalArgumentException("restart delay must be zero or more");
    }
    if (tolerableFailures < 0) {
      throw new IllegalArgumentException("tolerable checkpoint failures must be 0 or more, got " + tolerableFailures);
    }
    if (retained < 1) {
      throw new IllegalArgumentException("retained checkpoints must be at least 1, got " + retained);
    }
    if (fullEvery < 0) {
      throw new IllegalArgumentException("full checkpoint every N must be 0 (every checkpoint full) or more, got "
          + fullEvery);
    }
    if (restartAttempts < 0) {
      throw new IllegalArgumentException("restart attempts must be 0 or more, got " + restartAttempts);
    }
  }

  /**
   * Defaults: {@code var/checkpoints}, every 60 s, incremental with a full link every 10 (a whole snapshot of a
   * default-size model writes about 0.5 GB; a delta, what a minute of traffic touched), 5 min timeout, 2
   * tolerated failures, 3 retained, 10 restarts 10 s apart, 10 min transactions (the broker allows 15 min by
   * default).
   */
  public static CheckpointSettings defaults() {
    return new CheckpointSettings(Path.of("var", "checkpoints"), Duration.ofSeconds(60), Duration.ofMinutes(5), 2,
        3, 10, Duration.ofSeconds(10), Duration.ofMinutes(10), null, 10);
  }

  /**
   * Checks the Kafka transaction timeout against this job and the broker: above checkpoint
   * interval + checkpoint timeout + restart delay (a transaction stays open that long before its
   * checkpoint commits it; if the broker aborts it first, committed output is lost), and at most
   * the broker's {@code transaction.max.timeout.ms} (else the sink cannot start).
   *
   * @throws IllegalArgumentException naming both bounds when the timeout lies outside them
   */
  public void checkTransactionTimeout(Duration brokerMaximum) {
    Duration needed = interval.plus(timeout).plus(restartDelay);
    if (transactionTimeout.compareTo(needed) <= 0) {
      throw new IllegalArgumentException("Kafka transaction timeout " + seconds(transactionTimeout)
          + " must exceed checkpoint interval + checkpoint timeout + restart delay = " + seconds(needed)
          + ": the broker would abort transactions whose checkpoint has not committed them yet");
    }
    if (transactionTimeout.compareTo(brokerMaximum) > 0) {
      throw new IllegalArgumentException("Kafka transaction timeout " + seconds(transactionTimeout)
          + " exceeds the broker's transaction.max.timeout.ms of " + seconds(brokerMaximum)
          + "; lower it (it must stay above " + seconds(needed) + ") or raise the broker's maximum");
    }
  }

  public Optional<Path> restore() {
    return Optional.ofNullable(restoreFrom);
  }

  public CheckpointSettings withDirectory(Path value) {
    return new CheckpointSettings(value, interval, timeout, tolerableFailures, retained, restartAttempts,
        restartDelay, transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withInterval(Duration value) {
    return new CheckpointSettings(directory, value, timeout, tolerableFailures, retained, restartAttempts,
        restartDelay, transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withTimeout(Duration value) {
    return new CheckpointSettings(directory, interval, value, tolerableFailures, retained, restartAttempts,
        restartDelay, transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withRestarts(int attempts, Duration delay) {
    return new CheckpointSettings(directory, interval, timeout, tolerableFailures, retained, attempts, delay,
        transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withTolerableFailures(int value) {
    return new CheckpointSettings(directory, interval, timeout, value, retained, restartAttempts, restartDelay,
        transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withRetained(int value) {
    return new CheckpointSettings(directory, interval, timeout, tolerableFailures, value, restartAttempts,
        restartDelay, transactionTimeout, restoreFrom, fullEvery);
  }

  public CheckpointSettings withTransactionTimeout(Duration value) {
    return new CheckpointSettings(directory, interval, timeout, tolerableFailures, retained, restartAttempts,
        restartDelay, value, restoreFrom, fullEvery);
  }

  /** Starts from this checkpoint or savepoint directory (verify it first: {@code CheckpointLocator}). */
  public CheckpointSettings withRestoreFrom(Path value) {
    return new CheckpointSettings(directory, interval, timeout, tolerableFailures, retained, restartAttempts,
        restartDelay, transactionTimeout, value, fullEvery);
  }

  /** Incremental checkpoints, a full one every {@code value} (0: every checkpoint full, as before). */
  public CheckpointSettings withFullEvery(int value) {
    return new CheckpointSettings(directory, interval, timeout, tolerableFailures, retained, restartAttempts,
        restartDelay, transactionTimeout, restoreFrom, value);
  }

  /** Whether the trainer's state goes to links (see {@link #fullEvery}). */
  public boolean incremental() {
    return fullEvery > 0;
  }

  /** The store of the trainer's checkpoint links. */
  public Path linkDirectory() {
    return directory.resolve("trainer-links");
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() / 1000.0 + " s";
  }
}
