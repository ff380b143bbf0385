package dev.dualstream.ingest;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where every input record went, read from what the broker has committed (read_committed, so output of
 * aborted transactions does not count): the input topics, {@code training.examples}, {@code
 * deadletter.ingest} by source topic, and the accounts both ingest instances commit with their output (in
 * the changelogs of their state stores). {@link #problems()} checks the equations of {@link Account}.
 *
 * <p>It assumes this application (one application id) is the only writer of the output topics.
 *
 * @param inputs records in each input topic
 * @param accounts the committed accounts, summed over tasks
 * @param examples records in {@code training.examples}
 * @param deadLetters records in {@code deadletter.ingest}, by the topic they came from
 */
public record IngestAccounting(Map<String, Long> inputs, Map<Account, Long> accounts, long examples,
    Map<String, Long> deadLetters) {

  /** Reads everything committed so far; call it when ingest has caught up. */
  public static IngestAccounting read(KafkaConnection kafka, IngestOptions options, Duration timeout) {
    Map<String, Long> inputs = new LinkedHashMap<>();
    for (String topic : List.of(Topics.IMPRESSIONS.name(), Topics.CLICKS.name(), Topics.DOCUMENTS.name())) {
      inputs.put(topic, CommittedRecords.read(kafka, topic, timeout, r -> {}));
    }
    long examples = CommittedRecords.read(kafka, Topics.TRAINING_EXAMPLES.name(), timeout, r -> {});
    Map<String, Long> deadLetters = new HashMap<>();
    CommittedRecords.read(kafka, Topics.DEADLETTER_INGEST.name(), timeout, r -> {
      DeadLetter letter = Topics.DEADLETTER_INGEST.codec().decode(r.value());
      deadLetters.merge(letter.getSource().getTopic(), 1L, Long::sum);
    });
    Map<Account, Long> accounts = new EnumMap<>(Account.class);
    for (Account a : Account.values()) {
      accounts.put(a, 0L);
    }
    for (String app : List.of(options.applicationId(), options.documentCheckApplicationId())) {
      Map<String, Long> latest = new HashMap<>();
      CommittedRecords.read(kafka, app + "-" + IngestTopology.STATE_STORE + "-changelog", timeout, r -> {
        if (r.key() == null || r.key().length == 0 || r.key()[0] != StateStoreKeys.ACCOUNT) {
          return;
        }
        String key = r.partition() + "/" + new String(r.key(), 1, r.key().length - 1, StandardCharsets.UTF_8);
        if (r.value() == null) {
          latest.remove(key);
        } else {
          latest.put(key, ByteBuffer.wrap(r.value()).getLong());
        }
      });
      latest.forEach((key, value) -> {
        String name = key.substring(key.indexOf('/') + 1).toUpperCase(Locale.ROOT);
        accounts.merge(Account.valueOf(name), value, Long::sum);
      });
    }
    return new IngestAccounting(inputs, accounts, examples, deadLetters);
  }

  /** Committed records of an input topic that are in no account, or too many: empty when all add up. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    check(problems, Topics.IMPRESSIONS.name(), "impressions");
    check(problems, Topics.CLICKS.name(), "clicks");
    check(problems, Topics.DOCUMENTS.name(), "documents");
    if (examples != accounts.get(Account.CLICKS_EXAMPLE)) {
      problems.add(Topics.TRAINING_EXAMPLES.name() + " holds " + examples + " examples but the accounts count "
          + accounts.get(Account.CLICKS_EXAMPLE));
    }
    return problems;
  }

  /** The accounts as lines for a console: one per input, its outcomes beside it. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (String input : List.of("impressions", "clicks", "documents")) {
      String topic = topicOf(input);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %,d =", input, inputs.get(topic)));
      String sep = " ";
      for (Account a : Account.values()) {
        if (a.input().equals(input)) {
          line.append(sep).append(String.format(Locale.ROOT, "%,d %s", settled(a), a.outcome()));
          sep = " + ";
        }
      }
      lines.add(line.toString());
    }
    return lines;
  }

  private void check(List<String> problems, String topic, String input) {
    long sum = 0;
    for (Account a : Account.values()) {
      if (a.input().equals(input)) {
        sum += settled(a);
      }
    }
    long in = inputs.get(topic);
    if (sum != in) {
      problems.add(String.format(Locale.ROOT, "%s: %,d records in %s but %,d accounted for (%s)", input, in, topic, sum,
          String.join(", ", lines())));
    }
  }

  /** An account's committed value; dead letters and examples are counted in their topics. */
  private long settled(Account a) {
    return switch (a) {
      case IMPRESSIONS_DEAD_LETTER -> deadLetters.getOrDefault(Topics.IMPRESSIONS.name(), 0L);
      case CLICKS_DEAD_LETTER -> deadLetters.getOrDefault(Topics.CLICKS.name(), 0L);
      case DOCUMENTS_DEAD_LETTER -> deadLetters.getOrDefault(Topics.DOCUMENTS.name(), 0L);
      case CLICKS_EXAMPLE -> examples;
      default -> accounts.get(a);
    };
  }

  private static String topicOf(String input) {
    return switch (input) {
      case "impressions" -> Topics.IMPRESSIONS.name();
      case "clicks" -> Topics.CLICKS.name();
      default -> Topics.DOCUMENTS.name();
    };
  }
}
