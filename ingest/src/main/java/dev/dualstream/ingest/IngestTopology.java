package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The two topologies of the ingest stage.
 *
 * <p>The join is written with the Processor API rather than a DSL {@code KStream-KStream} join: examples
 * must name the source offsets of both the impression and the click, every input record must end in an
 * account (an example, a dead letter with its own offset and bytes, or a counted drop), and windows must
 * close in event time with an outcome for what they held. {@link JoinProcessor} does it over one logged
 * key-value store with an expiry index ({@link StateStoreKeys}), so that a restart restores it with the
 * committed offsets.
 *
 * <p>Values are decoded once, by the sources ({@link InputDeserializer}); event time comes from the events
 * themselves ({@link EventTimeExtractor}).
 *
 * <p>Documents feed a global store straight from {@link Topics#DOCUMENTS}, so Kafka Streams loads every
 * existing document before any click is processed. Kafka Streams refuses to read one topic both as a global
 * store and as a stream source, and a global store's processor cannot forward, so bad documents are
 * dead-lettered and every document accounted for by a second, separate topology ({@link #documentCheck})
 * that reads the same topic under its own application id.
 */
final class IngestTopology {
  /** Each topology's one state store; its keys are laid out by {@link StateStoreKeys}. */
  static final String STATE_STORE = "state";
  static final String DOCUMENT_STORE = "documents";
  static final String EXAMPLES_SINK = "examples-sink";
  static final String DEADLETTER_SINK = "deadletter-sink";

  private static final String JOIN = "join";
  private static final String DOCUMENTS_CHECK = "documents-check";

  private IngestTopology() {}

  /** Impressions and clicks in; training examples and dead letters out; the document store on the side. */
  static Topology main(IngestOptions options, IngestCounters counters, LongSupplier wallClock) {
    EventTimeExtractor time = new EventTimeExtractor(options.maxAhead(), options.maxFuture(), wallClock);
    Topology t = new Topology();
    t.addSource(AutoOffsetReset.earliest(), "impressions-source", time, new ByteArrayDeserializer(),
        input(Topics.IMPRESSIONS, i -> i.getTimestamp().toEpochMilli(), false), Topics.IMPRESSIONS.name());
    t.addSource(AutoOffsetReset.earliest(), "clicks-source", time, new ByteArrayDeserializer(),
        input(Topics.CLICKS, c -> c.getTimestamp().toEpochMilli(), false), Topics.CLICKS.name());
    DocumentLookup.Generation documents = new DocumentLookup.Generation();
    t.addProcessor(JOIN, () -> new JoinProcessor(options, counters, documents), "impressions-source", "clicks-source");

    t.addStateStore(store(options), JOIN);

    t.addGlobalStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DOCUMENT_STORE), Serdes.String(),
            Serdes.ByteArray()).withLoggingDisabled(),
        "documents-store-source", EventTimeExtractor.documents(), new ByteArrayDeserializer(), new ByteArrayDeserializer(),
        Topics.DOCUMENTS.name(), "documents-store-update", () -> new DocumentStoreUpdater(documents));

    t.addSink(EXAMPLES_SINK, Topics.TRAINING_EXAMPLES.name(), new StringSerializer(),
        Topics.TRAINING_EXAMPLES.valueSerde().serializer(), JOIN);
    t.addSink(DEADLETTER_SINK, Topics.DEADLETTER_INGEST.name(), new ByteArraySerializer(),
        Topics.DEADLETTER_INGEST.valueSerde().serializer(), JOIN);
    return t;
  }

  /**
   * Documents in, dead letters out: the same decoding and checks the document store applies, with every
   * rejected record dead-lettered and every valid one counted applied or stale.
   */
  static Topology documentCheck(IngestOptions options, IngestCounters counters) {
    Topology t = new Topology();
    t.addSource(AutoOffsetReset.earliest(), "documents-source", EventTimeExtractor.documents(), new ByteArrayDeserializer(),
        input(Topics.DOCUMENTS, d -> d.getTimestamp().toEpochMilli(), true), Topics.DOCUMENTS.name());
    t.addProcessor(DOCUMENTS_CHECK, () -> new DocumentCheckProcessor(counters), "documents-source");
    t.addStateStore(store(options), DOCUMENTS_CHECK);
    t.addSink(DEADLETTER_SINK, Topics.DEADLETTER_INGEST.name(), new ByteArraySerializer(),
        Topics.DEADLETTER_INGEST.valueSerde().serializer(), DOCUMENTS_CHECK);
    return t;
  }

  private static <V extends SpecificRecordBase> InputDeserializer<V> input(Topic<String, V> topic,
      ToLongFunction<V> eventTime, boolean tombstones) {
    return new InputDeserializer<>(topic, eventTime, tombstones);
  }

  /** The logged state store with a write cache, on RocksDB or in memory as {@code state.store} says. */
  private static StoreBuilder<KeyValueStore<Bytes, byte[]>> store(IngestOptions options) {
    KeyValueBytesStoreSupplier supplier = options.stateStore() == IngestOptions.StateStore.MEMORY
        ? Stores.inMemoryKeyValueStore(STATE_STORE)
        : Stores.persistentKeyValueStore(STATE_STORE);
    return Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled();
  }
}
