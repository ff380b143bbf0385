package dev.dualstream.deploy.bench;

import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestCounts;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.RunningIngest;
import dev.dualstream.schemas.KafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One timed run of the real ingest stage over the whole pre-filled input: {@link IngestApp#start}
 * with the options given (by default the production ones: exactly_once_v2, a 100 ms commit interval) under a fresh application
 * id and state directory, so that it starts from the first record with empty stores, as a new
 * deployment would; timed until {@link RunningIngest#awaitCaughtUp} sees every input offset committed.
 *
 * <p>The time is split where the stage itself draws lines: {@code start} returns once the document
 * store is loaded (Kafka Streams bootstraps a global store before any stream thread runs); the main
 * instance turns RUNNING once its group has formed and its internal topics exist; from then on it
 * processes. "Caught up" is seen by polling the broker every 100 ms, so the end is late by up to one
 * commit interval plus a poll, as the raw copy's is by its last commit.
 */
final class IngestPass {
  /**
   * Ingest fails the run when it reads no input record for this long. No limit on the whole pass: on
   * a sparse event-time clock it takes half an hour and more on two busy cores, and still progresses.
   */
  private static final Duration STALL = Duration.ofMinutes(5);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  /**
   * @param seconds from calling start to caught up
   * @param startSeconds until start returned (topic checks, the document store loaded)
   * @param runningSeconds until the main instance was RUNNING (its group formed, internal topics made)
   */
  record Result(double seconds, double startSeconds, double runningSeconds) {}

  private IngestPass() {}

  /** Runs ingest until it has caught up with every input, then stops it (not timed). */
  static Result run(IngestOptions configured, String bootstrap, String applicationId, Path stateDir,
      Consumer<String> say) {
    IngestOptions options = configured.toBuilder()
        .applicationId(applicationId)
        .stateDir(stateDir)
        .replicationFactor(1)
        .build();
    long from = System.nanoTime();
    RunningIngest ingest = IngestApp.start(options, KafkaConnection.plaintext(bootstrap));
    try {
      double started = since(from);
      long deadline = System.nanoTime() + STALL.toNanos();
      while (ingest.state() != KafkaStreams.State.RUNNING) {
        if (ingest.failure().isPresent() || System.nanoTime() > deadline) {
          throw new IllegalStateException("ingest did not start: state " + ingest.state()
              + ingest.failure().map(e -> ", " + e).orElse(""));
        }
        sleep(5);
      }
      double running = since(from);
      long read = -1;
      while (!awaitCaughtUp(ingest)) {
        IngestCounts c = ingest.counts();
        if (c.inputRecords() != read) {
          read = c.inputRecords();
          deadline = System.nanoTime() + STALL.toNanos();
        } else if (System.nanoTime() > deadline) {
          throw new IllegalStateException("ingest read no input record for " + STALL.toMinutes() + " minutes ("
              + read + " so far)");
        }
        say.accept(String.format("ingest: %,d input records, %,d examples so far", c.inputRecords(), c.examples()));
      }
      return new Result(since(from), started, running);
    } finally {
      ingest.close();
    }
  }

  private static boolean awaitCaughtUp(RunningIngest ingest) {
    try {
      return ingest.awaitCaughtUp(PROGRESS_EVERY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for ingest", e);
    }
  }

  private static double since(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
