package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.ingest.IngestAccounting;
import dev.dualstream.ingest.IngestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under crashes: ingest killed with {@code kill -9} part way through a fixed input and
 * restarted, and the broker killed the same way and restarted on its data. Either way, the examples
 * committed in the end are those a join without Kafka computes from the same input ({@link
 * dev.dualstream.ingest.ReferenceJoin}): none twice, none missing, none different, every input record
 * accounted for.
 *
 * <p>Ingest runs in a child JVM in both tests: a crash of ingest must take its whole process, and a stream
 * thread that dies on a broker outage makes the process exit, which the tests see.
 */
class IngestFaultsIT {
  private static final Duration STEP = Duration.ofMinutes(2);

  @Test
  @Timeout(300)
  void ingestKilledAt20And50And80PercentCommitsTheReferenceJoin(@TempDir Path tmp) throws Exception {
    int port = FreePorts.pair();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(tmp.resolve("kafka")).port(port).start()) {
      SimulationResult input = FixedInput.publish(tmp.resolve("slice"), broker.bootstrapServers());
      IngestOptions options = options(tmp);
      List<Double> killedAt = new ArrayList<>();
      try (IngestUnderFaults ingest = new IngestUnderFaults(broker.bootstrapServers(), options, tmp)) {
        long began = System.nanoTime();
        ingest.start();
        for (double share : List.of(0.2, 0.5, 0.8)) {
          killedAt.add(ingest.awaitProgress(share, STEP));
          ingest.kill();
          ingest.start();
        }
        IngestAccounting accounting = ingest.awaitDone(STEP);
        System.out.printf("ingest killed with its committed progress at %s of %s; done after %d s%n", killedAt, input,
            (System.nanoTime() - began) / 1_000_000_000);

        int examples = ingest.assertCommittedExamplesAreTheReferenceJoin();
        assertEquals(List.of(), accounting.problems(), "every input record in exactly one account");
        assertTrue(examples > input.impressions() / 2, "the input makes examples: " + examples);
        assertTrue(killedAt.stream().allMatch(share -> share < 1), "each kill came before the end: " + killedAt);
      }
    }
  }

  @Test
  @Timeout(300)
  void brokerKilledTwiceDuringIngestAndRestartedOnItsDataLeavesTheReferenceJoin(@TempDir Path tmp) throws Exception {
    int port = FreePorts.pair();
    KafkaBrokerProcess.Builder brokerOnItsData = KafkaBrokerProcess.builder(tmp.resolve("kafka")).port(port);
    KafkaBrokerProcess broker = brokerOnItsData.start();
    try {
      SimulationResult input = FixedInput.publish(tmp.resolve("slice"), broker.bootstrapServers());
      IngestOptions options = options(tmp);
      List<Double> killedAt = new ArrayList<>();
      try (IngestUnderFaults ingest = new IngestUnderFaults(broker.bootstrapServers(), options, tmp)) {
        long began = System.nanoTime();
        ingest.start();
        long pid = ingest.process().pid();
        for (double share : List.of(0.3, 0.6)) {
          killedAt.add(ingest.awaitProgress(share, STEP));
          broker.kill();
          broker = brokerOnItsData.start();
        }
        IngestAccounting accounting = ingest.awaitDone(STEP);
        System.out.printf("broker killed with ingest's committed progress at %s of %s; done after %d s%n", killedAt,
            input, (System.nanoTime() - began) / 1_000_000_000);

        assertEquals(pid, ingest.process().pid(), "the same ingest process ran throughout");
        int examples = ingest.assertCommittedExamplesAreTheReferenceJoin();
        assertEquals(List.of(), accounting.problems(), "every input record in exactly one account");
        assertTrue(examples > input.impressions() / 2, "the input makes examples: " + examples);
        assertTrue(killedAt.stream().allMatch(share -> share < 1), "each kill came before the end: " + killedAt);
      }
    } finally {
      broker.close();
    }
  }

  /** Exactly-once on one broker; a short session, so that a restart after a crash resumes within seconds. */
  private static IngestOptions options(Path tmp) {
    return IngestOptions.builder().applicationId("faults-it").processingGuarantee("exactly_once_v2")
        .replicationFactor(1).stateDir(tmp.resolve("ingest-state")).sessionTimeout(Duration.ofSeconds(6)).build();
  }
}
