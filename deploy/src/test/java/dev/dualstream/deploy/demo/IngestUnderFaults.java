package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.IngestProcess;
import dev.dualstream.ingest.Account;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.ingest.GroupProgress;
import dev.dualstream.ingest.IngestAccounting;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.ReferenceJoin;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.TrainingExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Ingest in a child JVM ({@link IngestProcess}) against a broker that holds a {@link FixedInput}, watched from
 * outside as an operator would: progress is what the broker records as committed, and the verdict is read
 * from the committed output. Each start logs to its own file; a failure message carries the last lines.
 */
final class IngestUnderFaults implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);
  private static final List<String> JOINED = List.of(Topics.IMPRESSIONS.name(), Topics.CLICKS.name());

  private final String bootstrapServers;
  private final IngestOptions options;
  private final Path logDir;
  private final Admin admin;
  private IngestProcess ingest;
  private int starts;

  IngestUnderFaults(String bootstrapServers, IngestOptions options, Path logDir) {
    this.bootstrapServers = bootstrapServers;
    this.options = options;
    this.logDir = logDir;
    // Short timeouts: while a test has the broker down, a poll should fail fast and be retried.
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
  }

  /** Starts ingest (again: on the same state directory). */
  void start() throws IOException {
    ingest = IngestProcess.start(bootstrapServers, options, logDir.resolve("ingest-" + ++starts + ".log"));
  }

  /** Kills ingest with SIGKILL. */
  void kill() {
    ingest.kill();
  }

  /** The ingest process now running. */
  IngestProcess process() {
    return ingest;
  }

  /**
   * Waits until at least {@code share} of the impressions and clicks are consumed with their output committed,
   * and returns the share seen then.
   *
   * @throws AssertionError if ingest exits, or the share is not reached within {@code timeout}
   */
  double awaitProgress(double share, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    double seen = -1;
    while (System.nanoTime() < deadline) {
      requireRunning();
      GroupProgress progress = progress(options.applicationId(), JOINED);
      if (progress != null) {
        seen = progress.fraction();
        if (seen >= share) {
          return seen;
        }
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new AssertionError("ingest did not reach " + share + " of its input within " + timeout + " (last seen "
        + seen + ")\n" + logTail());
  }

  /**
   * Waits until ingest has consumed every input record with its output committed and no click waits for a
   * document or an impression in the committed accounts; returns those accounts.
   */
  IngestAccounting awaitDone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      requireRunning();
      GroupProgress joined = progress(options.applicationId(), JOINED);
      GroupProgress documents = progress(options.documentCheckApplicationId(), List.of(Topics.DOCUMENTS.name()));
      if (joined != null && documents != null && joined.lag() == 0 && documents.lag() == 0) {
        IngestAccounting accounting = IngestAccounting.read(KafkaConnection.plaintext(bootstrapServers), options,
            READ_TIMEOUT);
        if (accounting.accounts().get(Account.CLICKS_AWAITING_DOCUMENT) == 0
            && accounting.accounts().get(Account.CLICKS_AWAITING_IMPRESSION) == 0) {
          return accounting;
        }
      }
      Thread.sleep(POLL.toMillis() * 4);
    }
    throw new AssertionError("ingest did not finish its input within " + timeout + "\n" + logTail());
  }

  /**
   * The verdict: {@code training.examples}, read committed, holds each example id once, and exactly the
   * examples (ids and whole records) that the reference join computes from the input as the broker holds it.
   *
   * @return how many examples there are
   */
  int assertCommittedExamplesAreTheReferenceJoin() {
    SortedMap<String, TrainingExample> expected = ReferenceJoin.examples(FixedInput.readBack(bootstrapServers), options);
    SortedMap<String, TrainingExample> committed = new TreeMap<>();
    List<String> twice = new ArrayList<>();
    KafkaConnection kafka = KafkaConnection.plaintext(bootstrapServers);
    CommittedRecords.read(kafka, Topics.TRAINING_EXAMPLES.name(), READ_TIMEOUT, r -> {
      TrainingExample example = Topics.TRAINING_EXAMPLES.codec().decode(r.value());
      if (committed.put(example.getExampleId(), example) != null) {
        twice.add(example.getExampleId());
      }
    });
    assertTrue(twice.isEmpty(), () -> twice.size() + " example ids committed more than once, such as "
        + twice.stream().limit(5).toList());
    TreeSet<String> missing = new TreeSet<>(expected.keySet());
    missing.removeAll(committed.keySet());
    TreeSet<String> extra = new TreeSet<>(committed.keySet());
    extra.removeAll(expected.keySet());
    List<String> different = expected.keySet().stream()
        .filter(id -> committed.containsKey(id) && !Objects.equals(expected.get(id), committed.get(id))).toList();
    assertTrue(missing.isEmpty() && extra.isEmpty() && different.isEmpty(), () -> String.format(
        "committed examples differ from the reference join: %d missing %s, %d not expected %s, %d different %s",
        missing.size(), first(missing), extra.size(), first(extra), different.size(),
        different.isEmpty() ? "" : expected.get(different.get(0)) + " vs " + committed.get(different.get(0))));
    return committed.size();
  }

  @Override
  public void close() {
    if (ingest != null) {
      ingest.kill();
    }
    admin.close(Duration.ofSeconds(5));
  }

  private GroupProgress progress(String group, List<String> topics) {
    try {
      return GroupProgress.read(admin, group, topics, ADMIN_TIMEOUT);
    } catch (IllegalStateException e) {
      return null; // the broker is away or busy (a restart, a transaction being settled); ask again
    }
  }

  private void requireRunning() {
    if (ingest.exitStatus().isPresent()) {
      throw new AssertionError(ingest + " exited with status " + ingest.exitStatus().getAsInt() + "\n" + logTail());
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(ingest.log());
      return "last lines of " + ingest.log() + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
          lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static List<String> first(TreeSet<String> ids) {
    return ids.stream().limit(5).toList();
  }
}
