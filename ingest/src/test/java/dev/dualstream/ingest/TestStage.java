package dev.dualstream.ingest;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.TrainingExample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Both ingest topologies in {@link TopologyTestDriver}s, fed raw bytes like a producer would. Documents go
 * to both drivers, as both instances read corpus.documents. Tracks the offset of every record it pipes and
 * how many went to each topic.
 */
final class TestStage implements AutoCloseable {
  private final TopologyTestDriver main;
  private final TopologyTestDriver documentCheck;
  private final TestInputTopic<byte[], byte[]> impressions;
  private final TestInputTopic<byte[], byte[]> clicks;
  private final TestInputTopic<byte[], byte[]> documentsMain;
  private final TestInputTopic<byte[], byte[]> documentsCheck;
  private final TestOutputTopic<String, TrainingExample> examples;
  private final List<TestOutputTopic<byte[], DeadLetter>> deadLetters = new ArrayList<>();
  private final Map<String, Long> nextOffset = new HashMap<>();

  private final Map<String, Long> piped = new HashMap<>();
  private Instant wallClock = TestRecords.T0;

  /** Both topologies; the event-time bounds see a wall clock that starts at T0 and moves with {@link #advanceWallClock}. */
  TestStage(IngestOptions options) {
    main = new TopologyTestDriver(IngestTopology.main(options, new IngestCounters(), () -> wallClock.toEpochMilli()),
        IngestApp.streamsConfig(options, options.applicationId(), KafkaConnection.plaintext("unused:9092")),
        TestRecords.T0);
    documentCheck = new TopologyTestDriver(IngestApp.buildDocumentCheckTopology(options),
        IngestApp.streamsConfig(options, options.documentCheckApplicationId(),
            KafkaConnection.plaintext("unused:9092")), TestRecords.T0);
    ByteArraySerializer bytes = new ByteArraySerializer();
    impressions = main.createInputTopic(Topics.IMPRESSIONS.name(), bytes, bytes);
    clicks = main.createInputTopic(Topics.CLICKS.name(), bytes, bytes);
    documentsMain = main.createInputTopic(Topics.DOCUMENTS.name(), bytes, bytes);
    documentsCheck = documentCheck.createInputTopic(Topics.DOCUMENTS.name(), bytes, bytes);
    examples = main.createOutputTopic(Topics.TRAINING_EXAMPLES.name(), new StringDeserializer(),
        Topics.TRAINING_EXAMPLES.valueSerde().deserializer());
    for (TopologyTestDriver d : List.of(main, documentCheck)) {
      deadLetters.add(d.createOutputTopic(Topics.DEADLETTER_INGEST.name(), new ByteArrayDeserializer(),
          Topics.DEADLETTER_INGEST.valueSerde().deserializer()));
    }
  }

  /** Pipes one record to an input topic with Kafka timestamp T0; returns its offset. */
  long send(String topic, byte[] key, byte[] value) {
    return send(topic, key, value, TestRecords.T0);
  }

  /** Pipes one record to an input topic with this Kafka timestamp (the producer's clock); returns its offset. */
  long send(String topic, byte[] key, byte[] value, Instant kafkaTimestamp) {
    piped.merge(topic, 1L, Long::sum);
    if (topic.equals(Topics.IMPRESSIONS.name())) {
      impressions.pipeInput(key, value, kafkaTimestamp);
    } else if (topic.equals(Topics.CLICKS.name())) {
      clicks.pipeInput(key, value, kafkaTimestamp);
    } else if (topic.equals(Topics.DOCUMENTS.name())) {
      documentsMain.pipeInput(key, value, kafkaTimestamp);
      documentsCheck.pipeInput(key, value, kafkaTimestamp);
    } else {
      throw new IllegalArgumentException("not an input topic: " + topic);
    }
    long offset = nextOffset.getOrDefault(topic, 0L);
    nextOffset.put(topic, offset + 1);
    return offset;
  }

  long impression(Impression i) {
    return send(Topics.IMPRESSIONS.name(), TestRecords.utf8(i.getImpressionId()), TestRecords.bytes(i));
  }

  long click(Click c) {
    return send(Topics.CLICKS.name(), TestRecords.utf8(c.getImpressionId()), TestRecords.bytes(c));
  }

  long document(Document d) {
    return send(Topics.DOCUMENTS.name(), TestRecords.utf8(d.getDocId()), TestRecords.bytes(d));
  }

  long tombstone(String docId) {
    return send(Topics.DOCUMENTS.name(), TestRecords.utf8(docId), null);
  }

  /** Examples emitted since the last call. */
  List<KeyValue<String, TrainingExample>> examples() {
    return examples.readKeyValuesToList();
  }

  /** Dead letters of both topologies emitted since the last call. */
  List<KeyValue<byte[], DeadLetter>> deadLetters() {
    List<KeyValue<byte[], DeadLetter>> all = new ArrayList<>();
    deadLetters.forEach(t -> all.addAll(t.readKeyValuesToList()));
    return all;
  }

  /** Moves both drivers' wall clocks (and the one the event-time bounds see), firing wall-clock punctuations. */
  void advanceWallClock(Duration by) {
    wallClock = wallClock.plus(by);
    main.advanceWallClockTime(by);
    documentCheck.advanceWallClockTime(by);
  }

  /** Records piped to an input topic so far. */
  long piped(String topic) {
    return piped.getOrDefault(topic, 0L);
  }

  /** The accounts both topologies keep in their state now. */
  Map<Account, Long> accounts() {
    Map<Account, Long> out = new EnumMap<>(Account.class);
    for (TopologyTestDriver d : List.of(main, documentCheck)) {
      KeyValueStore<Bytes, byte[]> store = d.getKeyValueStore(IngestTopology.STATE_STORE);
      for (Account a : Account.values()) {
        byte[] v = store.get(Accounts.key(a));
        out.merge(a, v == null ? 0L : StateStoreKeys.longOf(v), Long::sum);
      }
    }
    return out;
  }

  @Override
  public void close() {
    main.close();
    documentCheck.close();
  }
}
