package dev.dualstream.ingest;

import dev.dualstream.ingest.StateFormat.AwaitingDocument;
import dev.dualstream.ingest.StateFormat.ImpressionEntry;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The click-impression join, in event time, with every record accounted for.
 *
 * <p>One processor takes both inputs (they are co-partitioned by impression id), so that a task has one set
 * of accounts. With window W, grace G, stream time S (the largest event time the task has processed; bad
 * records never move it, see {@link EventTimeExtractor}) and memory D = max(W + G, dedup.retention):
 *
 * <ul>
 *   <li>An impression at t is late, and dead-lettered, when t < S - W - G: every click it could join has
 *       already expired. Otherwise it is kept until S passes t + D (then counted clicked or never clicked);
 *       the same impression id again meanwhile is a duplicate.
 *   <li>A click at c is late when c < S - G. Otherwise it joins its impression if t <= c <= t + W (a click
 *       outside that range is dead-lettered with the gap); if the impression has not come, the click waits
 *       until S passes c + G and is then dead-lettered ("no impression"). A click with the example id of one
 *       already seen (same impression, document and time) is a duplicate; one whose dwell time is under
 *       {@code click.min.dwell} is dropped and counted.
 *   <li>A click on a document the store does not hold yet waits up to {@code document.wait} of wall-clock
 *       time for it (the document topic is read by another thread, at its own pace), then is dead-lettered.
 * </ul>
 *
 * Expiry runs on a stream-time punctuation, but its outcome does not depend on when that runs: records
 * whose time has passed are treated as gone whether or not the sweep has removed them yet.
 */
final class JoinProcessor extends ContextualProcessor<byte[], Input<?>, Object, Object> {
  /** The sweep runs when stream time has moved on by a twelfth of the memory D, and at least this. */
  private static final Duration MIN_SWEEP_EVERY = Duration.ofSeconds(30);
  /** Impressions decoded on arrival, kept for the clicks that follow them closely. */
  private static final int RECENT_IMPRESSIONS = 4_096;

  private static final Duration DOCUMENT_RETRY_EVERY = Duration.ofSeconds(1);
  private static final byte IMPRESSION_EXPIRY = 'I';
  private static final byte CLICK_EXPIRY = 'C';
  private static final byte[] EMPTY = new byte[0];

  private final long windowMs;
  private final long graceMs;
  private final long memoryMs;
  private final long minDwellMs;
  private final long documentWaitMs;
  private final IngestCounters counters;
  private final InputGate<Impression> impressionGate =
      new InputGate<>(Topics.IMPRESSIONS, "impression id", InputChecks::impression);
  private final InputGate<Click> clickGate = new InputGate<>(Topics.CLICKS, "impression id", InputChecks::click);

  private KeyValueStore<Bytes, byte[]> state;
  private DocumentLookup documents;
  /** Decoded impressions by id, newest last; an impression never changes while its id is remembered. */
  private final Map<String, Impression> recentImpressions = new LinkedHashMap<>(RECENT_IMPRESSIONS * 2, 0.75f) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Impression> eldest) {
      return size() > RECENT_IMPRESSIONS;
    }
  };
  private Accounts accounts;
  private DeadLetters deadLetters;
  /** The stream time of the last sweep: every expiry key below it has been deleted. */
  private long sweptUntil;

  private final DocumentLookup.Generation documentChanges;

  JoinProcessor(IngestOptions options, IngestCounters counters, DocumentLookup.Generation documentChanges) {
    this.documentChanges = documentChanges;
    this.windowMs = options.joinWindow().toMillis();
    this.graceMs = options.grace().toMillis();
    this.memoryMs = Math.max(windowMs + graceMs, options.dedupRetention().toMillis());
    this.minDwellMs = options.minDwell().toMillis();
    this.documentWaitMs = options.documentWait().toMillis();
    this.counters = counters;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    super.init(context);
    state = context.getStateStore(IngestTopology.STATE_STORE);
    documents = new DocumentLookup(context.getStateStore(IngestTopology.DOCUMENT_STORE), documentChanges);
    recentImpressions.clear(); // a task revived after a failure is initialised again, its state restored
    accounts = new Accounts(state, counters);
    deadLetters = new DeadLetters(context, accounts);
    // Sweeping costs a range scan however little is due; on a stream sparse in event time a sweep every
    // 30 s would run every few records. A twelfth of D keeps at most that much more in the store.
    Duration sweepEvery = Duration.ofMillis(Math.max(MIN_SWEEP_EVERY.toMillis(), memoryMs / 12));
    context.schedule(sweepEvery, PunctuationType.STREAM_TIME, this::sweep);
    context.schedule(DOCUMENT_RETRY_EVERY, PunctuationType.WALL_CLOCK_TIME, this::retryDocuments);
  }

  @Override
  public void process(Record<byte[], Input<?>> record) {
    counters.inputRecords.increment();
    RecordMetadata meta = context().recordMetadata().orElseThrow();
    if (meta.topic().equals(Topics.IMPRESSIONS.name())) {
      if (impressionGate.admit(record, meta, deadLetters) instanceof InputGate.Valid<Impression> v) {
        onImpression(v.stored(), v.value());
      }
    } else if (clickGate.admit(record, meta, deadLetters) instanceof InputGate.Valid<Click> v) {
      onClick(v.stored(), v.value());
    }
    accounts.write();
  }

  private void onImpression(Stored stored, Impression impression) {
    long now = context().currentStreamTimeMs();
    long t = stored.eventTime();
    if (t < now - windowMs - graceMs) {
      deadLetters.send(stored, DeadLetters.LATE, "late: impression at " + Instant.ofEpochMilli(t) + " is "
          + Durations.format(now - t) + " behind the stream time " + Instant.ofEpochMilli(now) + " (join.window "
          + Durations.format(windowMs) + " + join.grace " + Durations.format(graceMs) + ")");
      return;
    }
    String id = stored.key();
    byte[] previous = state.get(StateStoreKeys.of(StateStoreKeys.IMPRESSION, id));
    if (previous != null) {
      StateFormat.ImpressionHead head = StateFormat.head(previous);
      if (head.eventTime() + memoryMs >= now) {
        accounts.bump(Account.IMPRESSIONS_DUPLICATE);
        return;
      }
      settle(id, head); // gone, though not swept yet: this is a new impression with the same id
    }
    ImpressionEntry entry = new ImpressionEntry(stored, new ArrayList<>());
    accounts.bump(Account.IMPRESSIONS_OPEN);
    state.put(StateStoreKeys.expiry(t + memoryMs, IMPRESSION_EXPIRY, id), EMPTY);
    // Clicks rarely come before their impression: look for parked ones only when the task holds any.
    List<Stored> waiting = accounts.get(Account.CLICKS_AWAITING_IMPRESSION) == 0 ? null : awaitingImpression(id);
    if (waiting != null) {
      List<Stored> expired = new ArrayList<>();
      for (Stored click : waiting) {
        if (click.eventTime() + graceMs < now) {
          expired.add(click); // the sweep dead-letters it, whenever it runs
        } else {
          accounts.add(Account.CLICKS_AWAITING_IMPRESSION, -1);
          match(entry, impression, click, click.decode(Topics.CLICKS));
        }
      }
      putAwaitingImpression(id, expired);
    }
    putImpression(id, entry);
    recentImpressions.put(id, impression);
  }

  private void onClick(Stored stored, Click click) {
    long now = context().currentStreamTimeMs();
    long c = stored.eventTime();
    if (c < now - graceMs) {
      deadLetters.send(stored, DeadLetters.LATE, "late: click at " + Instant.ofEpochMilli(c) + " is "
          + Durations.format(now - c) + " behind the stream time " + Instant.ofEpochMilli(now) + " (join.grace "
          + Durations.format(graceMs) + ")");
      return;
    }
    if (minDwellMs > 0 && click.getDwellMs() != null && click.getDwellMs() < minDwellMs) {
      accounts.bump(Account.CLICKS_SHORT_DWELL);
      return;
    }
    String id = stored.key();
    String exampleId = ExampleJoin.exampleId(id, click);
    ImpressionEntry entry = impression(id);
    if (entry != null) {
      if (entry.clicks().contains(exampleId)) {
        accounts.bump(Account.CLICKS_DUPLICATE);
        return;
      }
      Impression impression = recentImpressions.get(id);
      match(entry, impression != null ? impression : entry.impression().decode(Topics.IMPRESSIONS), stored, click);
      putImpression(id, entry);
      return;
    }
    List<Stored> waiting = awaitingImpression(id);
    if (waiting == null) {
      waiting = new ArrayList<>(1);
    }
    for (Stored other : waiting) {
      if (ExampleJoin.exampleId(id, other.decode(Topics.CLICKS)).equals(exampleId)) {
        accounts.bump(Account.CLICKS_DUPLICATE);
        return;
      }
    }
    waiting.add(stored);
    putAwaitingImpression(id, waiting);
    state.put(StateStoreKeys.expiry(c + graceMs, CLICK_EXPIRY, id), EMPTY);
    accounts.bump(Account.CLICKS_AWAITING_IMPRESSION);
  }

  /** A click that found its impression: in the window, it is the impression's and becomes an example. */
  private void match(ImpressionEntry entry, Impression impression, Stored stored, Click click) {
    long t = entry.impression().eventTime();
    long c = stored.eventTime();
    if (c < t) {
      deadLetters.send(stored, DeadLetters.INVALID, "click at " + Instant.ofEpochMilli(c) + " is " + Durations.format(t - c)
          + " before its impression " + stored.key() + " at " + Instant.ofEpochMilli(t));
      return;
    }
    if (c - t > windowMs) {
      deadLetters.send(stored, DeadLetters.INVALID, "click at " + Instant.ofEpochMilli(c) + " is " + Durations.format(c - t)
          + " after its impression " + stored.key() + ", outside the join window (join.window "
          + Durations.format(windowMs) + ")");
      return;
    }
    entry.clicks().add(ExampleJoin.exampleId(stored.key(), click));
    ExampleJoin.Outcome outcome = ExampleJoin.join(stored.key(), impression, entry.impression().source(), click,
        stored.source(), documents::get);
    if (outcome instanceof ExampleJoin.Joined joined) {
      emit(joined, stored);
    } else if (outcome instanceof ExampleJoin.NotShown notShown) {
      deadLetters.send(stored, DeadLetters.INVALID, notShown.reason());
    } else if (documentWaitMs == 0) {
      deadLetters.send(stored, DeadLetters.INVALID, unknownDocument(click.getDocId()));
    } else {
      long deadline = context().currentSystemTimeMs() + documentWaitMs;
      state.put(StateStoreKeys.awaitingDocument(deadline, stored.partition(), stored.offset()),
          serialize(StateFormat.AWAITING_DOCUMENT, new AwaitingDocument(entry.impression(), stored)));
      accounts.bump(Account.CLICKS_AWAITING_DOCUMENT);
    }
  }

  private void emit(ExampleJoin.Joined joined, Stored click) {
    context().forward(new Record<Object, Object>(click.key(), joined.example(), click.eventTime()),
        IngestTopology.EXAMPLES_SINK);
    accounts.bump(Account.CLICKS_EXAMPLE);
  }

  private String unknownDocument(String docId) {
    return "unknown document " + docId + (documentWaitMs == 0 ? ""
        : ": not in " + Topics.DOCUMENTS.name() + " after waiting " + Durations.format(documentWaitMs)
            + " (document.wait)");
  }

  /** Closes the windows that stream time has passed: impressions are settled, clicks without one dead-lettered. */
  private void sweep(long now) {
    List<Bytes> due = new ArrayList<>();
    // Keys are [time][kind][id]: those from the bare 8-byte time `sweptUntil` to before `now` are exactly the
    // ones due. Every key written has a time at or after the stream time of its writing (later records are
    // late), so none is ever added below an earlier sweep. A range from there, not all(): RocksDB would
    // step over the tombstones of every key swept before, and the write cache copies the keys it spans.
    try (KeyValueIterator<Bytes, byte[]> it =
        state.range(StateStoreKeys.expiryBound(sweptUntil), StateStoreKeys.expiryBound(now))) {
      it.forEachRemaining(kv -> due.add(kv.key));
    }
    sweptUntil = now;
    for (Bytes key : due) {
      String id = StateStoreKeys.expiryId(key);
      if (StateStoreKeys.expiryWhat(key) == IMPRESSION_EXPIRY) {
        expireImpression(id, now);
      } else {
        expireClicks(id, now);
      }
      state.delete(key);
    }
    accounts.write();
  }

  /**
   * Closes an impression's memory when it is due: its time plus D has passed. (The id may have come again
   * since, after D: then the entry is that newer impression, and stays.) Only the entry's head is read.
   */
  private void expireImpression(String id, long now) {
    Bytes key = StateStoreKeys.of(StateStoreKeys.IMPRESSION, id);
    byte[] entry = state.get(key);
    if (entry != null) {
      StateFormat.ImpressionHead head = StateFormat.head(entry);
      if (head.eventTime() + memoryMs < now) {
        settle(id, head);
        state.delete(key);
      }
    }
  }

  /** Counts a closed impression as clicked or never clicked. */
  private void settle(String id, StateFormat.ImpressionHead head) {
    accounts.settle(Account.IMPRESSIONS_OPEN,
        head.clicks() == 0 ? Account.IMPRESSIONS_NEVER_CLICKED : Account.IMPRESSIONS_CLICKED);
    recentImpressions.remove(id);
  }

  private void expireClicks(String id, long now) {
    List<Stored> waiting = awaitingImpression(id);
    if (waiting == null) {
      return;
    }
    List<Stored> left = new ArrayList<>();
    for (Stored click : waiting) {
      if (click.eventTime() + graceMs < now) {
        accounts.add(Account.CLICKS_AWAITING_IMPRESSION, -1);
        deadLetters.send(click, DeadLetters.INVALID, "no impression " + id + " within the join window: none came with a"
            + " time at most " + Durations.format(windowMs) + " before the click at " + Instant.ofEpochMilli(click.eventTime())
            + " until the stream time passed it by join.grace " + Durations.format(graceMs));
      } else {
        left.add(click);
      }
    }
    if (left.size() < waiting.size()) {
      putAwaitingImpression(id, left);
    }
  }

  /** Joins the clicks whose document has arrived; dead-letters those that waited too long. */
  private void retryDocuments(long wallClock) {
    List<KeyValue<Bytes, AwaitingDocument>> all = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = state.range(StateStoreKeys.kindStart(StateStoreKeys.AWAITING_DOCUMENT),
        StateStoreKeys.kindEnd(StateStoreKeys.AWAITING_DOCUMENT))) {
      it.forEachRemaining(kv -> all.add(KeyValue.pair(kv.key, deserialize(StateFormat.AWAITING_DOCUMENT, kv.value))));
    }
    for (KeyValue<Bytes, AwaitingDocument> kv : all) {
      Stored stored = kv.value.click();
      Click click = stored.decode(Topics.CLICKS);
      if (documents.get(click.getDocId()) != null) {
        ExampleJoin.Outcome outcome = ExampleJoin.join(stored.key(), kv.value.impression().decode(Topics.IMPRESSIONS),
            kv.value.impression().source(), click, stored.source(), documents::get);
        if (outcome instanceof ExampleJoin.Joined joined) {
          accounts.add(Account.CLICKS_AWAITING_DOCUMENT, -1);
          emit(joined, stored);
          state.delete(kv.key);
        }
      } else if (StateStoreKeys.time(kv.key) <= wallClock) {
        accounts.add(Account.CLICKS_AWAITING_DOCUMENT, -1);
        deadLetters.send(stored, DeadLetters.INVALID, unknownDocument(click.getDocId()));
        state.delete(kv.key);
      }
    }
    accounts.write();
  }

  private ImpressionEntry impression(String id) {
    return deserialize(StateFormat.IMPRESSION_ENTRY, state.get(StateStoreKeys.of(StateStoreKeys.IMPRESSION, id)));
  }

  private void putImpression(String id, ImpressionEntry entry) {
    state.put(StateStoreKeys.of(StateStoreKeys.IMPRESSION, id), serialize(StateFormat.IMPRESSION_ENTRY, entry));
  }

  private List<Stored> awaitingImpression(String id) {
    return deserialize(StateFormat.STORED_LIST, state.get(StateStoreKeys.of(StateStoreKeys.AWAITING_IMPRESSION, id)));
  }

  /** Keeps the clicks still waiting for impression {@code id}; none left deletes the key. */
  private void putAwaitingImpression(String id, List<Stored> clicks) {
    Bytes key = StateStoreKeys.of(StateStoreKeys.AWAITING_IMPRESSION, id);
    if (clicks.isEmpty()) {
      state.delete(key);
    } else {
      state.put(key, serialize(StateFormat.STORED_LIST, clicks));
    }
  }

  private static <T> byte[] serialize(Serde<T> serde, T value) {
    return serde.serializer().serialize(IngestTopology.STATE_STORE, value);
  }

  private static <T> T deserialize(Serde<T> serde, byte[] bytes) {
    return bytes == null ? null : serde.deserializer().deserialize(IngestTopology.STATE_STORE, bytes);
  }
}
