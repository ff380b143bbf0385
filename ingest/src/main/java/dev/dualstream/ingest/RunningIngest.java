package dev.dualstream.ingest;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started ingest stage: both Kafka Streams instances, counters, and a way to tell when it has caught up
 * with its inputs. Close it to stop.
 *
 * <p>"Caught up" is measured on the broker, not guessed from counters: for every input partition the
 * offset the application committed (exactly-once: together with its output) equals the partition's last
 * stable offset. Then every input record produced so far has its examples or dead letters committed.
 * The document store's own reader (the global thread) is not part of that measure; it loads every
 * existing document before processing starts and follows new ones within a poll.
 */
public final class RunningIngest implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunningIngest.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final IngestOptions options;
  private final KafkaStreams main;
  private final KafkaStreams documentCheck;
  private final Admin admin;
  private final IngestCounters counters;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  private RunningIngest(IngestOptions options, KafkaStreams main, KafkaStreams documentCheck, Admin admin,
      IngestCounters counters) {
    this.options = options;
    this.main = main;
    this.documentCheck = documentCheck;
    this.admin = admin;
    this.counters = counters;
  }

  static RunningIngest start(IngestOptions options, KafkaConnection kafka, Admin admin) {
    IngestCounters counters = new IngestCounters();
    KafkaStreams main = new KafkaStreams(IngestTopology.main(options, counters, System::currentTimeMillis),
        IngestApp.streamsConfig(options, options.applicationId(), kafka));
    KafkaStreams check = new KafkaStreams(IngestTopology.documentCheck(options, counters),
        IngestApp.streamsConfig(options, options.documentCheckApplicationId(), kafka));
    RunningIngest running = new RunningIngest(options, main, check, admin, counters);
    ThreadFailurePolicy policy = new ThreadFailurePolicy(System::nanoTime);
    for (KafkaStreams s : List.of(main, check)) {
      s.setUncaughtExceptionHandler(e -> {
        StreamThreadExceptionResponse response = policy.onThreadDeath(e);
        if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
          LOG.warn("ingest stream thread died of {}; replaced it ({} of at most {} in {} min)",
              ThreadFailurePolicy.transientCause(e).orElse(e), policy.recentReplacements(),
              ThreadFailurePolicy.MAX_REPLACEMENTS, ThreadFailurePolicy.WINDOW.toMinutes());
          return response;
        }
        running.failure.compareAndSet(null, e);
        LOG.error("ingest stream thread failed; stopping the stage", e);
        return response;
      });
      s.setStateListener((now, before) -> {
        if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
          running.stopped.countDown();
        }
      });
    }
    main.start();
    check.start();
    return running;
  }

  /** What the processors have done so far (may run ahead of committed output after a failure). */
  public IngestCounts counts() {
    return counters.snapshot();
  }

  /**
   * Kafka Streams' own metrics of both instances (threads, tasks, processors, stores, clients), for an
   * exporter: the main instance's and the document check's carry different client ids.
   */
  public Map<MetricName, Metric> streamsMetrics() {
    Map<MetricName, Metric> all = new LinkedHashMap<>(main.metrics());
    all.putAll(documentCheck.metrics());
    return all;
  }

  /** The main instance's state (the document check instance follows it). */
  public KafkaStreams.State state() {
    return main.state();
  }

  /** Why the stage stopped on its own, if it did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure.get());
  }

  /**
   * Input records not yet processed and committed, summed over every partition of the three input topics
   * (read-committed end offsets minus the application's committed offsets).
   *
   * @throws IllegalStateException if the broker does not answer within 30 s
   */
  public long lag() {
    return groupLag(options.applicationId(), List.of(Topics.IMPRESSIONS.name(), Topics.CLICKS.name()))
        + groupLag(options.documentCheckApplicationId(), List.of(Topics.DOCUMENTS.name()));
  }

  /**
   * Waits until both instances run, {@link #lag()} is zero and no click waits for its document (such clicks
   * are settled by the wall clock, after their input offsets are committed).
   *
   * @return true once caught up, false if the timeout passed first
   * @throws IllegalStateException if the stage stopped (with the cause)
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (stopped.getCount() == 0) {
        throw new IllegalStateException("ingest stopped" + failure().map(e -> ": " + e).orElse(""), failure.get());
      }
      if (main.state() == KafkaStreams.State.RUNNING && documentCheck.state() == KafkaStreams.State.RUNNING
          && lag() == 0 && clicksAwaitingDocument() == 0) {
        // Settling a waiting click writes output that the next commit (one commit interval) makes visible.
        Thread.sleep(2 * options.commitInterval().toMillis());
        if (clicksAwaitingDocument() == 0) {
          return true;
        }
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Clicks in this process's join state that wait for their document (read from the local stores). */
  public long clicksAwaitingDocument() {
    try {
      ReadOnlyKeyValueStore<Bytes, byte[]> store = main.store(StoreQueryParameters.fromNameAndType(
          IngestTopology.STATE_STORE, QueryableStoreTypes.keyValueStore()));
      long n = 0;
      try (KeyValueIterator<Bytes, byte[]> it = store.range(StateStoreKeys.kindStart(StateStoreKeys.AWAITING_DOCUMENT),
          StateStoreKeys.kindEnd(StateStoreKeys.AWAITING_DOCUMENT))) {
        while (it.hasNext()) {
          it.next();
          n++;
        }
      }
      return n;
    } catch (InvalidStateStoreException e) {
      return Long.MAX_VALUE; // not queryable now (rebalancing, restoring): not settled
    }
  }

  /** Blocks until the stage stops by itself (a failure) or is closed. */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** Waits up to {@code timeout} for the stage to stop by itself (a failure) or be closed; true if it did. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Stops both instances (waiting up to 30 s each) and releases the admin client. Idempotent. */
  @Override
  public void close() {
    close(IngestApp.ADMIN_TIMEOUT);
  }

  /**
   * Stops both instances, waiting up to {@code perInstance} for each; a shutdown hook passes a short
   * time, since the broker may already be going away. Idempotent.
   */
  public void close(Duration perInstance) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    main.close(perInstance);
    documentCheck.close(perInstance);
    admin.close(Duration.ofSeconds(5).compareTo(perInstance) < 0 ? Duration.ofSeconds(5) : perInstance);
    stopped.countDown();
  }

  private long groupLag(String group, List<String> topics) {
    return GroupProgress.read(admin, group, topics, IngestApp.ADMIN_TIMEOUT).lag();
  }
}
