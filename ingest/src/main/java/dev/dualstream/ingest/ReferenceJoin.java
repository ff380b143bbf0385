package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the ingest stage must commit to {@code training.examples} for a fixed, recorded input, computed
 * without Kafka: the yardstick that tests hold the stage's committed output against after crashes,
 * restarts and broker outages.
 *
 * <p>The rules are the stage's, applied to the whole input at once; where the stage has code for a rule,
 * this class calls it rather than restating it:
 *
 * <ul>
 *   <li>Records are decoded and checked as the stage does ({@link InputDeserializer}, {@link InputChecks});
 *       a record without a key, one that does not decode and one that fails its check takes no part.
 *   <li>Documents are applied per partition in offset order with the document store's rule ({@link
 *       DocumentStoreUpdater#replaces}: a lower version never replaces a higher one, a tombstone deletes),
 *       all of them before any click is joined.
 *   <li>The impression of an id is the first of that id (lowest offset); later ones are repeats.
 *   <li>A click (with a dwell time of at least {@code click.min.dwell}, when it has one) joins the impression
 *       of its id if the impression's time t and its own time c satisfy t <= c <= t + {@code join.window}.
 *       One example per example id: the first click of an id (lowest offset) decides, and later ones are
 *       repeats even if the first made no example.
 *   <li>The example itself is {@link ExampleJoin#join}'s, so its text, skip-above results and source
 *       offsets are built by the same code as the stage's.
 * </ul>
 *
 * <p>It is meant for well-ordered input without late records, such as the simulator's: every document
 * published before the clicks that need it, no record that comes after the stream time has passed it by
 * {@code join.grace}, no impression id repeated after {@code dedup.retention}, no event time implausibly
 * ahead. The stage additionally dead-letters late records, forgets impressions once their memory has
 * passed, lets a click wait {@code document.wait} for a document not yet seen, and rejects implausible
 * event times; on input where none of that applies, the two must agree exactly.
 */
public final class ReferenceJoin {
  private static final Comparator<ConsumerRecord<byte[], byte[]>> OFFSET_ORDER =
      Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
          .thenComparingLong(ConsumerRecord::offset);

  private final long windowMs;
  private final long minDwellMs;
  private final Map<String, Document> documents = new HashMap<>();
  private final Map<String, Keyed<Impression>> impressions = new HashMap<>();

  private ReferenceJoin(IngestOptions options) {
    this.windowMs = options.joinWindow().toMillis();
    this.minDwellMs = options.minDwell().toMillis();
  }

  /**
   * The examples a finished run of the stage commits for {@code input}, by example id (in id order).
   *
   * @param input the records of the input topics ({@code corpus.documents}, {@code search.impressions},
   *     {@code search.clicks}) as read back from the broker, in any order; records of other topics are ignored
   * @param options the stage's options; the join window and {@code click.min.dwell} matter
   */
  public static SortedMap<String, TrainingExample> examples(Collection<ConsumerRecord<byte[], byte[]>> input,
      IngestOptions options) {
    ReferenceJoin join = new ReferenceJoin(options);
    InputDeserializer<Document> documents = new InputDeserializer<>(Topics.DOCUMENTS,
        d -> d.getTimestamp().toEpochMilli(), true);
    for (ConsumerRecord<byte[], byte[]> r : ofTopic(input, Topics.DOCUMENTS)) {
      join.document(r, documents);
    }
    InputDeserializer<Impression> impressions = new InputDeserializer<>(Topics.IMPRESSIONS,
        i -> i.getTimestamp().toEpochMilli(), false);
    for (ConsumerRecord<byte[], byte[]> r : ofTopic(input, Topics.IMPRESSIONS)) {
      Keyed<Impression> impression = decode(r, impressions);
      if (impression != null && InputChecks.impression(impression.key, impression.value) == null) {
        join.impressions.putIfAbsent(impression.key, impression);
      }
    }
    SortedMap<String, TrainingExample> examples = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    InputDeserializer<Click> clicks = new InputDeserializer<>(Topics.CLICKS, c -> c.getTimestamp().toEpochMilli(), false);
    for (ConsumerRecord<byte[], byte[]> r : ofTopic(input, Topics.CLICKS)) {
      Keyed<Click> click = decode(r, clicks);
      if (click != null && InputChecks.click(click.key, click.value) == null && join.dwellKept(click.value)
          && seen.add(ExampleJoin.exampleId(click.key, click.value))) {
        TrainingExample example = join.example(click);
        if (example != null) {
          examples.put(example.getExampleId(), example);
        }
      }
    }
    return examples;
  }

  private void document(ConsumerRecord<byte[], byte[]> r, InputDeserializer<Document> deserializer) {
    if (r.key() == null || r.key().length == 0) {
      return;
    }
    String id = new String(r.key(), StandardCharsets.UTF_8);
    if (r.value() == null) {
      documents.remove(id);
      return;
    }
    Keyed<Document> doc = decode(r, deserializer);
    if (doc != null && InputChecks.document(id, doc.value) == null
        && DocumentStoreUpdater.replaces(documents.get(id), doc.value)) {
      documents.put(id, doc.value);
    }
  }

  private boolean dwellKept(Click click) {
    return minDwellMs == 0 || click.getDwellMs() == null || click.getDwellMs() >= minDwellMs;
  }

  /** The example a (first, valid) click makes, or null when it makes none. */
  private TrainingExample example(Keyed<Click> click) {
    Keyed<Impression> impression = impressions.get(click.key);
    if (impression == null) {
      return null;
    }
    long t = impression.eventTime;
    long c = click.eventTime;
    if (c < t || c - t > windowMs) {
      return null;
    }
    ExampleJoin.Outcome outcome = ExampleJoin.join(click.key, impression.value, impression.source, click.value,
        click.source, documents::get);
    return outcome instanceof ExampleJoin.Joined joined ? joined.example() : null;
  }

  private static List<ConsumerRecord<byte[], byte[]>> ofTopic(Collection<ConsumerRecord<byte[], byte[]>> input,
      Topic<String, ?> topic) {
    return input.stream().filter(r -> r.topic().equals(topic.name())).sorted(OFFSET_ORDER).toList();
  }

  /** A keyed record decoded as the stage's source decodes it, or null when the stage would reject it. */
  private static <V extends SpecificRecordBase> Keyed<V> decode(ConsumerRecord<byte[], byte[]> r,
      InputDeserializer<V> deserializer) {
    if (r.key() == null || r.key().length == 0) {
      return null;
    }
    Input<V> input = deserializer.deserialize(r.topic(), r.value());
    if (input.isRejected() || input.isTombstone()) {
      return null;
    }
    return new Keyed<>(new String(r.key(), StandardCharsets.UTF_8), input.value, input.eventTime,
        new SourceOffset(r.topic(), r.partition(), r.offset()));
  }

  private record Keyed<V>(String key, V value, long eventTime, SourceOffset source) {}
}
