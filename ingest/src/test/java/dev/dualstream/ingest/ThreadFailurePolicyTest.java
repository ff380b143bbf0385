package dev.dualstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class ThreadFailurePolicyTest {
  private final AtomicLong now = new AtomicLong();
  private final ThreadFailurePolicy policy = new ThreadFailurePolicy(now::get);

  /** What Kafka Streams 4.2 throws when a commit meets a broker that restarted under it. */
  private static StreamsException commitAfterBrokerRestart() {
    return new StreamsException("Error encountered trying to commit a transaction",
        new KafkaException("The producer closed forcefully", new InvalidProducerEpochException("old epoch")));
  }

  @Test
  void aCommitThatMeetsAnOldProducerEpochReplacesTheThread() {
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.onThreadDeath(commitAfterBrokerRestart()));
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
        policy.onThreadDeath(new StreamsException("Timed out", new TimeoutException("commit"))));
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.onThreadDeath(new StreamsException(
        "Error encountered trying to commit a transaction", new InvalidTxnStateException("aborted by the broker"))));
    assertEquals(3, policy.recentReplacements());
  }

  @Test
  void anythingElseStopsTheStage() {
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        policy.onThreadDeath(new StreamsException("bad state", new IllegalStateException("store corrupted"))));
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
        policy.onThreadDeath(new SerializationException("cannot serialize")));
    assertEquals(0, policy.recentReplacements());
  }

  @Test
  void aFaultThatKeepsRecurringStopsTheStageOnceTheWindowsBudgetIsSpent() {
    for (int i = 0; i < ThreadFailurePolicy.MAX_REPLACEMENTS; i++) {
      now.addAndGet(1_000_000_000L);
      assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.onThreadDeath(commitAfterBrokerRestart()));
    }
    assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, policy.onThreadDeath(commitAfterBrokerRestart()));

    now.addAndGet(ThreadFailurePolicy.WINDOW.toNanos());
    assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, policy.onThreadDeath(commitAfterBrokerRestart()),
        "replacements older than the window no longer count");
    assertTrue(policy.recentReplacements() < ThreadFailurePolicy.MAX_REPLACEMENTS);
  }

  @Test
  void aSelfReferentialCauseChainEnds() {
    assertTrue(ThreadFailurePolicy.transientCause(new KafkaException("no cause")).isEmpty());
  }
}
