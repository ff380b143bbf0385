package dev.dualstream.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything the ingest application can be told, parsed and validated once. Keys, defaults and
 * descriptions live in {@link #OPTIONS}; {@link #help()} prints them.
 *
 * @param applicationId Kafka Streams application id: consumer group, transactional id prefix and the
 *     prefix of every internal topic
 * @param joinWindow a click joins an impression when its event time is at most this long after the
 *     impression's
 * @param grace how long state is kept beyond the join window, for records that arrive out of order
 * @param dedupRetention how long an impression (with its clicks) is remembered to drop repeats
 * @param commitInterval Kafka Streams commit interval (with exactly-once: how often output becomes visible)
 * @param replicationFactor replication factor of internal topics; -1 takes the broker default
 * @param stateDir directory for local state (the join state, the document store)
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 * @param numThreads stream threads in this instance
 * @param maxAhead an event time more than this ahead of its partition's stream time is implausible
 * @param maxFuture an event time more than this ahead of the wall clock is implausible
 * @param minDwell clicks with a known dwell time under this are dropped (counted); zero keeps all
 * @param documentWait how long (wall clock) a click on a document not seen yet waits for it
 * @param stateStore where the join state lives: RocksDB on disk or the heap (both logged to Kafka)
 * @param sessionTimeout how long the broker waits for a silent instance before it hands the instance's
 *     partitions to another; an instance restarted after a crash waits this long before it resumes
 */
public record IngestOptions(
    String applicationId,
    Duration joinWindow,
    Duration grace,
    Duration dedupRetention,
    Duration commitInterval,
    int replicationFactor,
    Path stateDir,
    String processingGuarantee,
    int numThreads,
    Duration maxAhead,
    Duration maxFuture,
    Duration minDwell,
    Duration documentWait,
    StateStore stateStore,
    Duration sessionTimeout) {

  /** Where the join's state stores keep their data. */
  public enum StateStore {
    ROCKSDB, MEMORY
  }

  /** One option: its key, default (as typed on the command line) and description. */
  public record Option(String key, String defaultValue, String description) {}

  /** Every option, in the order {@link #help()} lists them. */
  public static final List<Option> OPTIONS = List.of(
      new Option("application.id", "dualstream-ingest",
          "Kafka Streams application id (consumer group, transactional id and internal topic prefix)."),
      new Option("join.window", "30m", "A click joins its impression if it happened at most this long after it."),
      new Option("join.grace", "5m", "Extra time state is kept for out-of-order records beyond the join window."),
      new Option("dedup.retention", "1h",
          "How long an impression is remembered to drop repeats of it and its clicks; >= join.window + join.grace."),
      new Option("commit.interval", "100ms", "Commit interval; with exactly-once, how often output becomes visible."),
      new Option("replication.factor", "-1",
          "Replication factor of internal topics; -1 = broker default, 1 for a single node."),
      new Option("state.dir", "var/ingest", "Directory for local state stores."),
      new Option("processing.guarantee", "exactly_once_v2", "exactly_once_v2 or at_least_once."),
      new Option("num.threads", "2",
          "Stream threads in this instance; each runs tasks (input partitions) of its own, so up to the partition count."),
      new Option("time.max.ahead", "1d",
          "An event time more than this ahead of the stream time is implausible: dead-lettered, it does not move time."),
      new Option("time.max.future", "1d",
          "An event time more than this ahead of the wall clock is implausible (bounds a partition's first record)."),
      new Option("click.min.dwell", "0ms",
          "Clicks with a dwell time under this are dropped and counted (short dwell); 0ms keeps every click."),
      new Option("document.wait", "30s",
          "How long a click on a document not yet in corpus.documents waits for it before it is dead-lettered."),
      new Option("state.store", "rocksdb",
          "Where the join state lives: rocksdb (on disk) or memory (the heap); both are logged to Kafka."),
      new Option("session.timeout", "45s",
          "How long the broker waits for a silent instance before handing its partitions to another; an instance"
              + " restarted after a crash waits this long (Kafka's default; the broker allows 6s and up)."));

  public IngestOptions {
    require(applicationId != null && applicationId.matches("[A-Za-z0-9._-]+"),
        "application.id must be non-empty and use only letters, digits, '.', '_' and '-' (got " + applicationId + ")");
    requirePositive("join.window", joinWindow);
    Objects.requireNonNull(grace, "join.grace");
    require(!grace.isNegative(), "join.grace must not be negative (got " + grace + ")");
    requirePositive("dedup.retention", dedupRetention);
    require(dedupRetention.compareTo(joinWindow.plus(grace)) >= 0,
        "dedup.retention (" + dedupRetention + ") must be at least join.window + join.grace ("
            + joinWindow.plus(grace) + "), or a repeated click inside the window could be emitted twice");
    requirePositive("commit.interval", commitInterval);
    require(replicationFactor == -1 || replicationFactor >= 1,
        "replication.factor must be -1 (broker default) or at least 1 (got " + replicationFactor + ")");
    Objects.requireNonNull(stateDir, "state.dir");
    require(processingGuarantee != null
            && (processingGuarantee.equals("exactly_once_v2") || processingGuarantee.equals("at_least_once")),
        "processing.guarantee must be exactly_once_v2 or at_least_once (got " + processingGuarantee + ")");
    require(numThreads >= 1, "num.threads must be at least 1 (got " + numThreads + ")");
    requirePositive("time.max.ahead", maxAhead);
    requirePositive("time.max.future", maxFuture);
    Objects.requireNonNull(minDwell, "click.min.dwell");
    require(!minDwell.isNegative(), "click.min.dwell must not be negative (got " + minDwell + ")");
    Objects.requireNonNull(documentWait, "document.wait");
    require(!documentWait.isNegative(), "document.wait must not be negative (got " + documentWait + ")");
    Objects.requireNonNull(stateStore, "state.store");
    requirePositive("session.timeout", sessionTimeout);
  }

  /** All defaults. */
  public static IngestOptions defaults() {
    return parse(Map.of());
  }

  public static Builder builder() {
    return new Builder(defaults());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Parses options from key/value pairs (keys as in {@link #OPTIONS}); missing keys take their default.
   * Durations are written {@code 100ms}, {@code 30s}, {@code 30m}, {@code 2h}, {@code 1d} or ISO-8601
   * ({@code PT30M}).
   *
   * @throws IllegalArgumentException naming the key and what is wrong with it
   */
  public static IngestOptions parse(Map<String, String> values) {
    Map<String, String> merged = new LinkedHashMap<>();
    OPTIONS.forEach(o -> merged.put(o.key(), o.defaultValue()));
    for (Map.Entry<String, String> e : values.entrySet()) {
      if (!merged.containsKey(e.getKey())) {
        throw new IllegalArgumentException("unknown ingest option '" + e.getKey() + "'; known options: "
            + String.join(", ", merged.keySet()));
      }
      merged.put(e.getKey(), e.getValue());
    }
    return new IngestOptions(
        merged.get("application.id"),
        value(merged, "join.window", IngestOptions::parseDuration),
        value(merged, "join.grace", IngestOptions::parseDuration),
        value(merged, "dedup.retention", IngestOptions::parseDuration),
        value(merged, "commit.interval", IngestOptions::parseDuration),
        value(merged, "replication.factor", Integer::parseInt),
        value(merged, "state.dir", Path::of),
        merged.get("processing.guarantee"),
        value(merged, "num.threads", Integer::parseInt),
        value(merged, "time.max.ahead", IngestOptions::parseDuration),
        value(merged, "time.max.future", IngestOptions::parseDuration),
        value(merged, "click.min.dwell", IngestOptions::parseDuration),
        value(merged, "document.wait", IngestOptions::parseDuration),
        value(merged, "state.store", IngestOptions::parseStateStore),
        value(merged, "session.timeout", IngestOptions::parseDuration));
  }

  /**
   * These options as key/value pairs, keys as in {@link #OPTIONS}: what {@link #parse} reads back into an
   * equal record, and so what a command line that starts the stage elsewhere carries.
   */
  public Map<String, String> values() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("application.id", applicationId);
    v.put("join.window", joinWindow.toString());
    v.put("join.grace", grace.toString());
    v.put("dedup.retention", dedupRetention.toString());
    v.put("commit.interval", commitInterval.toString());
    v.put("replication.factor", Integer.toString(replicationFactor));
    v.put("state.dir", stateDir.toString());
    v.put("processing.guarantee", processingGuarantee);
    v.put("num.threads", Integer.toString(numThreads));
    v.put("time.max.ahead", maxAhead.toString());
    v.put("time.max.future", maxFuture.toString());
    v.put("click.min.dwell", minDwell.toString());
    v.put("document.wait", documentWait.toString());
    v.put("state.store", stateStore.name().toLowerCase(Locale.ROOT));
    v.put("session.timeout", sessionTimeout.toString());
    return v;
  }

  private static StateStore parseStateStore(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "rocksdb" -> StateStore.ROCKSDB;
      case "memory" -> StateStore.MEMORY;
      default -> throw new IllegalArgumentException("'" + text + "' is not a state store (rocksdb or memory)");
    };
  }

  /** The option table, one line per option, for {@code --help}. */
  public static String help() {
    StringBuilder out = new StringBuilder();
    for (Option o : OPTIONS) {
      out.append(String.format(Locale.ROOT, "  %-22s %s (default: %s)%n", o.key(), o.description(), o.defaultValue()));
    }
    return out.toString();
  }

  /**
   * Application id of the document check, the small second topology that dead-letters bad documents
   * (see {@code IngestApp}); its consumer group and internal topics carry this prefix.
   */
  public String documentCheckApplicationId() {
    return applicationId + "-documents";
  }

  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("pt") || t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new NumberFormatException();
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (write e.g. 100ms, 30s, 30m, 2h, 1d or PT30M)", e);
    }
  }

  private static <T> T value(Map<String, String> values, String key, Function<String, T> parser) {
    String text = values.get(key);
    try {
      return parser.apply(text);
    } catch (RuntimeException e) {
      String why = e instanceof NumberFormatException ? "'" + text + "' is not a whole number" : e.getMessage();
      throw new IllegalArgumentException(key + ": " + why, e);
    }
  }

  private static void requirePositive(String key, Duration d) {
    Objects.requireNonNull(d, key);
    require(!d.isNegative() && !d.isZero(), key + " must be positive (got " + d + ")");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Changes some options, keeping the rest; {@link #build()} validates. */
  public static final class Builder {
    private String applicationId;
    private Duration joinWindow;
    private Duration grace;
    private Duration dedupRetention;
    private Duration commitInterval;
    private int replicationFactor;
    private Path stateDir;
    private String processingGuarantee;
    private int numThreads;
    private Duration maxAhead;
    private Duration maxFuture;
    private Duration minDwell;
    private Duration documentWait;
    private StateStore stateStore;
    private Duration sessionTimeout;

    private Builder(IngestOptions from) {
      applicationId = from.applicationId;
      joinWindow = from.joinWindow;
      grace = from.grace;
      dedupRetention = from.dedupRetention;
      commitInterval = from.commitInterval;
      replicationFactor = from.replicationFactor;
      stateDir = from.stateDir;
      processingGuarantee = from.processingGuarantee;
      numThreads = from.numThreads;
      maxAhead = from.maxAhead;
      maxFuture = from.maxFuture;
      minDwell = from.minDwell;
      documentWait = from.documentWait;
      stateStore = from.stateStore;
      sessionTimeout = from.sessionTimeout;
    }

    public Builder applicationId(String v) {
      applicationId = v;
      return this;
    }

    public Builder joinWindow(Duration v) {
      joinWindow = v;
      return this;
    }

    public Builder grace(Duration v) {
      grace = v;
      return this;
    }

    public Builder dedupRetention(Duration v) {
      dedupRetention = v;
      return this;
    }

    public Builder commitInterval(Duration v) {
      commitInterval = v;
      return this;
    }

    public Builder replicationFactor(int v) {
      replicationFactor = v;
      return this;
    }

    public Builder stateDir(Path v) {
      stateDir = v;
      return this;
    }

    public Builder processingGuarantee(String v) {
      processingGuarantee = v;
      return this;
    }

    public Builder numThreads(int v) {
      numThreads = v;
      return this;
    }

    public Builder maxAhead(Duration v) {
      maxAhead = v;
      return this;
    }

    public Builder maxFuture(Duration v) {
      maxFuture = v;
      return this;
    }

    public Builder minDwell(Duration v) {
      minDwell = v;
      return this;
    }

    public Builder documentWait(Duration v) {
      documentWait = v;
      return this;
    }

    public Builder stateStore(StateStore v) {
      stateStore = v;
      return this;
    }

    public Builder sessionTimeout(Duration v) {
      sessionTimeout = v;
      return this;
    }

    public IngestOptions build() {
      return new IngestOptions(applicationId, joinWindow, grace, dedupRetention, commitInterval,
          replicationFactor, stateDir, processingGuarantee, numThreads, maxAhead, maxFuture, minDwell, documentWait,
          stateStore, sessionTimeout);
    }
  }
}
