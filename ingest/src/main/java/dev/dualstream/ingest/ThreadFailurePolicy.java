package dev.dualstream.ingest;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What ingest does when a stream thread dies: replace the thread when the cause is the broker going away
 * or coming back (a transaction the broker aborted or timed out, a producer epoch it no longer knows, a
 * timeout), stop the stage on anything else.
 *
 * <p>Kafka Streams turns most of those into a rebalance by itself, but not all: a commit that meets
 * {@code InvalidProducerEpochException} or {@code InvalidTxnStateException} after a broker restart (the
 * restarted broker aborted the open transaction) kills the thread. Replacing the thread is
 * safe under exactly-once: the dead thread's open transaction is aborted, its tasks are reassigned, and
 * the new thread resumes from the committed offsets and state. A bound on replacements per window keeps
 * a fault that recurs (a broker that stays down) from looping forever; past it the stage stops with the
 * cause.
 */
final class ThreadFailurePolicy {
  /**
   * Replacements allowed within {@link #WINDOW} before the stage gives up: a broker restart can take every
   * stream thread of both instances at once (four by default), and a cluster's rolling restart does that once
   * per broker.
   */
  static final int MAX_REPLACEMENTS = 30;
  static final Duration WINDOW = Duration.ofMinutes(10);

  private final LongSupplier nanoClock;
  private final Deque<Long> replacedAt = new ArrayDeque<>();

  ThreadFailurePolicy(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** The response to a thread's death, and counts it when the response is a replacement. */
  synchronized StreamThreadExceptionResponse onThreadDeath(Throwable e) {
    if (transientCause(e).isEmpty()) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    long now = nanoClock.getAsLong();
    while (!replacedAt.isEmpty() && now - replacedAt.peekFirst() > WINDOW.toNanos()) {
      replacedAt.removeFirst();
    }
    if (replacedAt.size() >= MAX_REPLACEMENTS) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    replacedAt.addLast(now);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** Replacements within the current window. */
  synchronized int recentReplacements() {
    return replacedAt.size();
  }

  /** The first cause in {@code e}'s chain that a broker outage or restart explains, if any. */
  static Optional<Throwable> transientCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidProducerEpochException || t instanceof ProducerFencedException
          || t instanceof UnknownProducerIdException || t instanceof InvalidPidMappingException
          || t instanceof OutOfOrderSequenceException || t instanceof TransactionAbortedException
          || t instanceof InvalidTxnStateException
          || t instanceof RetriableException) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
