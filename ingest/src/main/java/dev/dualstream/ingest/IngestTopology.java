package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The two topologies of the ingest stage.
 *
 * <p>The join is written with the Processor API rather than a DSL {@code KStream-KStream} join: examples
 * must name the source offsets of both the impression and the click, and a click that joins but is
 * rejected afterwards (not shown, unknown document) must be dead-lettered with its own offset and bytes.
 * Both need record metadata that a DSL joiner does not see. Two processors share three window stores, as
 * the DSL join does internally: impressions by id at their event time, clicks that arrived before their
 * impression, and the example ids already emitted. Window stores retain join window + grace of event time.
 *
 * <p>Documents feed a global store straight from {@link Topics#DOCUMENTS}, so Kafka Streams loads every
 * existing document before any click is processed. Kafka Streams refuses to read one topic both as a global
 * store and as a stream source, and a global store's processor cannot forward, so bad documents are
 * dead-lettered by a second, separate topology ({@link #documentCheck}) that reads the same topic under
 * its own application id.
 */
final class IngestTopology {
  static final String IMPRESSION_STORE = "impressions-by-id";
  static final String PENDING_CLICK_STORE = "clicks-awaiting-impression";
  static final String DEDUP_STORE = "examples-emitted";
  static final String DOCUMENT_STORE = "documents";
  static final String EXAMPLES_SINK = "examples-sink";
  static final String DEADLETTER_SINK = "deadletter-sink";

  private static final String IMPRESSIONS_DECODE = "impressions-decode";
  private static final String IMPRESSIONS_JOIN = "impressions-join";
  private static final String CLICKS_DECODE = "clicks-decode";
  private static final String CLICKS_JOIN = "clicks-join";
  private static final String DOCUMENTS_DECODE = "documents-decode";

  private IngestTopology() {}

  /** Impressions and clicks in; training examples and dead letters out; the document store on the side. */
  static Topology main(IngestOptions options, IngestCounters counters) {
    Duration window = options.joinWindow();
    Duration dedup = options.dedupRetention();
    Topology t = new Topology();
    t.addSource("impressions-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(),
        Topics.IMPRESSIONS.name());
    t.addProcessor(IMPRESSIONS_DECODE, () -> new DecodeProcessor<>(Topics.IMPRESSIONS, "impression id",
        InputChecks::impression, false, IMPRESSIONS_JOIN, counters), "impressions-source");
    t.addProcessor(IMPRESSIONS_JOIN, () -> new ImpressionJoinProcessor(window, dedup, counters), IMPRESSIONS_DECODE);

    t.addSource("clicks-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.CLICKS.name());
    t.addProcessor(CLICKS_DECODE, () -> new DecodeProcessor<>(Topics.CLICKS, "impression id",
        InputChecks::click, false, CLICKS_JOIN, counters), "clicks-source");
    t.addProcessor(CLICKS_JOIN, () -> new ClickJoinProcessor(window, dedup, counters), CLICKS_DECODE);

    Duration retention = window.plus(options.grace());
    t.addStateStore(windowStore(IMPRESSION_STORE, retention, window, false, sourced(Topics.IMPRESSIONS)),
        IMPRESSIONS_JOIN, CLICKS_JOIN);
    t.addStateStore(windowStore(PENDING_CLICK_STORE, retention, window, true, sourced(Topics.CLICKS)),
        IMPRESSIONS_JOIN, CLICKS_JOIN);
    t.addStateStore(windowStore(DEDUP_STORE, dedup, dedup, false, Serdes.Long()), IMPRESSIONS_JOIN, CLICKS_JOIN);

    t.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DOCUMENT_STORE), Serdes.String(),
            Topics.DOCUMENTS.valueSerdeAsSerde()).withLoggingDisabled(),
        "documents-store-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.DOCUMENTS.name(),
        "documents-store-update", () -> new DocumentStoreUpdater(counters));

    t.addSink(EXAMPLES_SINK, Topics.TRAINING_EXAMPLES.name(), new StringSerializer(),
        Topics.TRAINING_EXAMPLES.valueSerde().serializer(), IMPRESSIONS_JOIN, CLICKS_JOIN);
    t.addSink(DEADLETTER_SINK, Topics.DEADLETTER_INGEST.name(), new ByteArraySerializer(),
        Topics.DEADLETTER_INGEST.valueSerde().serializer(),
        IMPRESSIONS_DECODE, CLICKS_DECODE, IMPRESSIONS_JOIN, CLICKS_JOIN);
    return t;
  }

  /**
   * Documents in, dead letters out: the same decoding and checks the document store applies, with every
   * rejected record dead-lettered. A tombstone with a key is valid; valid records go nowhere.
   */
  static Topology documentCheck(IngestCounters counters) {
    Topology t = new Topology();
    t.addSource("documents-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.DOCUMENTS.name());
    t.addProcessor(DOCUMENTS_DECODE, () -> new DecodeProcessor<>(Topics.DOCUMENTS, "doc id",
        InputChecks::document, true, null, counters), "documents-source");
    t.addSink(DEADLETTER_SINK, Topics.DEADLETTER_INGEST.name(), new ByteArraySerializer(),
        Topics.DEADLETTER_INGEST.valueSerde().serializer(), DOCUMENTS_DECODE);
    return t;
  }

  private static <V extends SpecificRecordBase> Serde<Sourced<V>> sourced(Topic<String, V> topic) {
    return new SourcedSerde<>(topic);
  }

  private static <V> StoreBuilder<WindowStore<String, V>> windowStore(String name, Duration retention,
      Duration windowSize, boolean duplicates, Serde<V> valueSerde) {
    return Stores.windowStoreBuilder(
        Stores.persistentWindowStore(name, retention, windowSize, duplicates), Serdes.String(), valueSerde);
  }
}
