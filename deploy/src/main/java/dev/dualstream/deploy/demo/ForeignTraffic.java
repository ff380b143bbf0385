package dev.dualstream.deploy.demo;

import dev.dualstream.evaluator.simulate.EventSink;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import dev.dualstream.ingest.CommittedRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Another producer beside the simulator, as the world has them: its own Kafka client, its own clock for
 * the Kafka timestamps (the wall clock, today, while the simulated events carry last year's times), bad
 * records of every kind (random bytes, an unknown schema fingerprint, a body that crashes Avro's decoder,
 * null values), and valid impression and click pairs written with Avro's generic API and a hand-built
 * single-object header rather than the project's codec. It wraps the simulator's sink and interleaves its
 * records: every so many simulated events it flushes the simulator and sends a batch, stamping its valid
 * pairs with event times just after the simulated events before them, so that they belong to the stream.
 *
 * <p>What it sent is what ingest must account for: each bad record as one dead letter, each pair as one
 * example ({@link #verify}).
 */
final class ForeignTraffic implements EventSink {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private final EventSink simulated;
  private final KafkaProducer<byte[], byte[]> producer;
  private final List<String> documents;
  private final SplittableRandom random;
  private final long every;
  private final int batches;
  private final int badPerBatch;
  private final int pairsPerBatch;
  private final int totalBad;
  private final int totalPairs;
  private final List<String> expectedExampleIds = new ArrayList<>();
  private long events;
  private long lastEventTime;
  private int sentBatches;
  private int badRecords;

  /**
   * @param documents ids of documents the simulator publishes, which foreign impressions show
   * @param expectedEvents how many events the simulator will send, to spread the batches over them
   */
  ForeignTraffic(EventSink simulated, String bootstrapServers, List<String> documents, long expectedEvents,
      int badRecords, int pairs, long seed) {
    this.simulated = simulated;
    this.documents = List.copyOf(documents);
    this.random = new SplittableRandom(seed);
    this.batches = Math.max(1, Math.min(badRecords, pairs));
    this.badPerBatch = (badRecords + batches - 1) / batches;
    this.pairsPerBatch = (pairs + batches - 1) / batches;
    this.every = Math.max(1, expectedEvents / (batches + 1));
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.CLIENT_ID_CONFIG, "foreign-producer", ProducerConfig.ACKS_CONFIG, "all"),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.totalBad = badRecords;
    this.totalPairs = pairs;
  }

  @Override
  public <V extends SpecificRecordBase> void send(Topic<String, V> topic, String key, V value, long timestampMillis) {
    simulated.send(topic, key, value, timestampMillis);
    lastEventTime = Math.max(lastEventTime, timestampMillis);
    if (++events % every == 0 && sentBatches < batches && !topic.name().equals(Topics.DOCUMENTS.name())) {
      simulated.flush();
      sendBatch();
    }
  }

  private void sendBatch() {
    sentBatches++;
    for (int i = 0; i < badPerBatch && badRecords < totalBad; i++) {
      sendBad(badRecords++);
    }
    for (int i = 0; i < pairsPerBatch && expectedExampleIds.size() < totalPairs; i++) {
      sendPair("foreign-" + sentBatches + "-" + i, lastEventTime + 1_000L * (i + 1));
    }
    producer.flush();
  }

  /** Bad record number {@code n}: the kinds and topics take turns. */
  private void sendBad(int n) {
    String[] topics = {Topics.IMPRESSIONS.name(), Topics.CLICKS.name(), Topics.DOCUMENTS.name()};
    String topic = topics[n % 3];
    byte[] key = ("bad-" + n).getBytes(StandardCharsets.UTF_8);
    byte[] value = switch ((n / 3) % 4) {
      case 0 -> randomBytes(1 + random.nextInt(200));
      case 1 -> header(0x0123456789ABCDEFL, randomBytes(12));
      case 2 -> header(fingerprint(topic), new byte[] {(byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, 0x0a});
      default -> topic.equals(Topics.DOCUMENTS.name()) ? randomBytes(3) : null; // a null document is a valid delete
    };
    producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), key, value));
  }

  private void sendPair(String impressionId, long time) {
    List<String> shown = new ArrayList<>(3);
    while (shown.size() < 3) {
      String doc = documents.get(random.nextInt(documents.size()));
      if (!shown.contains(doc)) {
        shown.add(doc);
      }
    }
    Schema impressionSchema = parse(Topics.IMPRESSIONS.codec().schema());
    Schema resultSchema = impressionSchema.getField("results").schema().getElementType();
    List<GenericRecord> results = new ArrayList<>();
    for (int p = 0; p < shown.size(); p++) {
      GenericRecord r = new GenericData.Record(resultSchema);
      r.put("doc_id", shown.get(p));
      r.put("position", p + 1);
      r.put("score", 3.0 - p);
      r.put("propensity", 1.0 / (p + 1));
      results.add(r);
    }
    GenericRecord impression = new GenericData.Record(impressionSchema);
    impression.put("impression_id", impressionId);
    impression.put("query", "foreign query " + impressionId);
    impression.put("query_id", null);
    impression.put("user_id", "foreign-user");
    impression.put("session_id", "foreign-session");
    impression.put("timestamp", time);
    impression.put("results", new GenericData.Array<>(impressionSchema.getField("results").schema(), results));
    Schema clickSchema = parse(Topics.CLICKS.codec().schema());
    GenericRecord click = new GenericData.Record(clickSchema);
    long clickTime = time + 3_000;
    click.put("impression_id", impressionId);
    click.put("doc_id", shown.get(1));
    click.put("position", 2);
    click.put("timestamp", clickTime);
    click.put("dwell_ms", 30_000L);
    byte[] key = impressionId.getBytes(StandardCharsets.UTF_8);
    long now = System.currentTimeMillis();
    producer.send(new ProducerRecord<>(Topics.IMPRESSIONS.name(), null, now, key, singleObject(impression)));
    producer.send(new ProducerRecord<>(Topics.CLICKS.name(), null, now, key, singleObject(click)));
    expectedExampleIds.add(impressionId + "/" + shown.get(1) + "/" + clickTime);
  }

  /**
   * Checks what ingest committed against what this producer sent: every pair an example, every bad record
   * exactly one dead letter (by its key). Returns the line to print, or throws if anything is missing.
   */
  String verify(String bootstrapServers) {
    KafkaConnection kafka = KafkaConnection.plaintext(bootstrapServers);
    Set<String> wanted = new HashSet<>(expectedExampleIds);
    CommittedRecords.read(kafka, Topics.TRAINING_EXAMPLES.name(), TIMEOUT, r -> {
      if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith("foreign-")) {
        wanted.remove(Topics.TRAINING_EXAMPLES.codec().decode(r.value()).getExampleId());
      }
    });
    Map<String, Integer> letters = new HashMap<>();
    CommittedRecords.read(kafka, Topics.DEADLETTER_INGEST.name(), TIMEOUT, r -> {
      String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
      if (key.startsWith("bad-")) {
        letters.merge(key, 1, Integer::sum);
      }
    });
    long once = letters.values().stream().filter(n -> n == 1).count();
    String line = String.format("foreign producer: %d of %d pairs became examples; %d of %d bad records dead-lettered once",
        expectedExampleIds.size() - wanted.size(), expectedExampleIds.size(), once, badRecords);
    if (!wanted.isEmpty() || once != badRecords || letters.size() != badRecords) {
      throw new IllegalStateException(line + " (missing examples: " + wanted + "; dead letters per key: " + letters + ")");
    }
    return line;
  }

  @Override
  public void flush() {
    simulated.flush();
    while (sentBatches < batches) {
      sendBatch();
    }
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
    simulated.close();
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  /** The schema as another program would hold it: parsed from its JSON text, not the generated class. */
  private static Schema parse(Schema generated) {
    return new Schema.Parser().parse(generated.toString());
  }

  private static long fingerprint(String topic) {
    Schema schema = topic.equals(Topics.IMPRESSIONS.name()) ? Topics.IMPRESSIONS.codec().schema()
        : topic.equals(Topics.CLICKS.name()) ? Topics.CLICKS.codec().schema() : Topics.DOCUMENTS.codec().schema();
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  private static byte[] singleObject(GenericRecord record) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
    try {
      new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return header(SchemaNormalization.parsingFingerprint64(record.getSchema()), body.toByteArray());
  }

  /** The single-object header: C3 01, then the schema's 64-bit parsing fingerprint, little-endian. */
  private static byte[] header(long fingerprint, byte[] body) {
    return ByteBuffer.allocate(10 + body.length).order(ByteOrder.LITTLE_ENDIAN)
        .put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).put(body).array();
  }
}
