package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.schemas.samples.SampleRecords;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

  @Test
  void everyTopicRoundTripsItsSampleThroughItsSerde() {
    for (Topic<String, ?> topic : Topics.all()) {
      roundTrip(topic);
    }
  }

  private static <V extends org.apache.avro.specific.SpecificRecordBase> void roundTrip(Topic<String, V> topic) {
    V sample = SampleRecords.all().stream()
        .filter(topic.valueType()::isInstance)
        .map(topic.valueType()::cast)
        .findFirst()
        .orElseThrow();
    byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), sample);
    assertEquals((byte) 0xC3, bytes[0], "single-object marker");
    assertEquals((byte) 0x01, bytes[1], "single-object version");
    assertEquals(sample, topic.valueSerde().deserializer().deserialize(topic.name(), bytes), topic.name());
  }

  @Test
  void topicNamesAreUniqueAndMatchTheDesign() {
    Set<String> names = new HashSet<>();
    Topics.all().forEach(t -> assertTrue(names.add(t.name()), "duplicate " + t.name()));
    assertEquals(Set.of("search.impressions", "search.clicks", "corpus.documents", "training.examples",
        "training.metrics", "models.versions", "evaluation.results", "deadletter.ingest", "deadletter.trainer"), names);
  }

  @Test
  void nullPayloadIsATombstoneForKafkaButAnErrorForTheCodec() {
    assertNull(Topics.DOCUMENTS.valueSerde().deserializer().deserialize("corpus.documents", null));
    assertNull(Topics.DOCUMENTS.valueSerde().serializer().serialize("corpus.documents", null));
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> Topics.DOCUMENTS.codec().decode(null));
    assertEquals(RecordDecodeException.Kind.NULL_VALUE, e.kind());
  }

  @Test
  void unknownFingerprintIsRejectedWithBothFingerprintsInTheReason() {
    Schema other = SchemaBuilder.record("Impression").namespace("elsewhere").fields()
        .requiredString("id").endRecord();
    GenericRecord record = new GenericData.Record(other);
    record.put("id", "x");
    byte[] bytes = encodeGeneric(other, record);

    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> Topics.IMPRESSIONS.codec().decode(bytes));

    assertEquals(RecordDecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
    assertTrue(e.getMessage().contains("unknown writer schema fingerprint"), e.getMessage());
    assertTrue(e.getMessage().contains(String.format("%016x", Topics.IMPRESSIONS.codec().fingerprint())), e.getMessage());
  }

  @Test
  void olderWriterSchemaDecodesOnceRegistered() {
    Schema v0 = SchemaBuilder.record("Click").namespace("dev.dualstream.schemas.avro").fields()
        .requiredString("impression_id")
        .requiredString("doc_id")
        .requiredInt("position")
        .name("timestamp").type(org.apache.avro.LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
        .endRecord();
    GenericRecord old = new GenericData.Record(v0);
    old.put("impression_id", "imp-9");
    old.put("doc_id", "deb:x");
    old.put("position", 4);
    old.put("timestamp", 1_000L);
    byte[] bytes = encodeGeneric(v0, old);

    AvroCodec<Click> codec = AvroCodec.of(Click.class);
    assertEquals(RecordDecodeException.Kind.UNKNOWN_SCHEMA,
        assertThrows(RecordDecodeException.class, () -> codec.decode(bytes)).kind());

    Click click = codec.withKnownWriter(v0).decode(bytes);
    assertEquals("imp-9", click.getImpressionId());
    assertEquals(4, click.getPosition());
    assertNull(click.getDwellMs(), "field added later takes its default");
  }

  @Test
  void malformedBytesGiveAReasonNotACrash() {
    AvroCodec<Impression> codec = Topics.IMPRESSIONS.codec();
    byte[] good = codec.encode(SampleRecords.impression());
    byte[][] bad = {
        {},
        {0x01, 0x02},
        "plain text, not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Arrays.copyOf(good, 12),
        Arrays.copyOf(good, good.length / 2),
        {(byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, 0x0a},
    };
    for (byte[] b : bad) {
      RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(b), Arrays.toString(b));
      assertTrue(e.getMessage().contains("Impression"), e.getMessage());
    }
  }

  @Test
  void randomCorruptionEndsAsADecodedRecordOrAMalformedOne() {
    AvroCodec<Impression> codec = Topics.IMPRESSIONS.codec();
    byte[] good = codec.encode(SampleRecords.impression());
    Random random = new Random(7);
    Map<String, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < 5_000; i++) {
      byte[] b = Arrays.copyOf(good, 10 + random.nextInt(good.length));
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        int at = 10 + random.nextInt(Math.max(1, b.length - 10));
        if (at < b.length) {
          b[at] = (byte) random.nextInt(256);
        }
      }
      outcomes.merge(DecodeOutcome.of(codec, b), 1, Integer::sum);
    }
    // The header is never touched and every body is at most the sample's size, so the only
    // rejection is MALFORMED; some corruptions still leave a decodable record (a flipped score).
    assertEquals(Set.of("decoded", "MALFORMED"), outcomes.keySet(), outcomes.toString());
    assertTrue(outcomes.get("decoded") >= 50 && outcomes.get("MALFORMED") >= 2_500, outcomes.toString());
  }

  @Test
  void theKnownAvroCrashIsAMalformedRecordForEveryType() {
    byte[] body = {(byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, 0x0a};
    for (Topic<String, ?> topic : Topics.all()) {
      byte[] bytes = withBody(topic.codec(), body);
      RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> topic.codec().decode(bytes));
      assertEquals(RecordDecodeException.Kind.MALFORMED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("bytes, 0 are left"), e.getMessage());
    }
  }

  @Test
  void aStringOverTheLimitIsRefusedWithItsFieldAndTheLimit() {
    DecodeLimits limits = new DecodeLimits(1 << 20, 100, 1 << 20, 10_000);
    AvroCodec<Impression> codec = AvroCodec.of(Impression.class, limits);
    Impression atLimit = Impression.newBuilder(SampleRecords.impression()).setQuery("q".repeat(100)).build();
    assertEquals(atLimit, codec.decode(codec.encode(atLimit)));

    Impression over = Impression.newBuilder(SampleRecords.impression()).setQuery("q".repeat(101)).build();
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(codec.encode(over)));

    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("at query: a string of 101 bytes, more than maxStringBytes 100"), e.getMessage());
  }

  @Test
  void aNestedStringOverTheLimitNamesItsPath() {
    AvroCodec<Impression> codec = AvroCodec.of(Impression.class, new DecodeLimits(1 << 20, 6, 1 << 20, 10_000));
    Impression longDoc = Impression.newBuilder(SampleRecords.impression()).setImpressionId("i").setQuery("q")
        .setQueryId(null).setUserId("u").setSessionId("s")
        .setResults(List.of(new ShownResult("d", 1, 1.0, 1.0, null), new ShownResult("deb:sway", 2, 1.0, 1.0, null)))
        .build();
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(codec.encode(longDoc)));
    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("at results[1].doc_id: a string of 8 bytes"), e.getMessage());
  }

  @Test
  void aRecordOverTheLimitIsRefusedBeforeItsBodyIsRead() {
    AvroCodec<Document> codec = AvroCodec.of(Document.class, new DecodeLimits(64, 64, 64, 10));
    Document big = Document.newBuilder(SampleRecords.document()).setText("t".repeat(60)).build();
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(codec.encode(big)));
    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("more than maxRecordBytes 64"), e.getMessage());
  }

  @Test
  void aBytesFieldOverTheLimitIsRefused() {
    AvroCodec<DeadLetter> codec = AvroCodec.of(DeadLetter.class, new DecodeLimits(1 << 20, 1 << 10, 16, 10));
    DeadLetter letter = DeadLetter.newBuilder(SampleRecords.deadLetter()).setValue(ByteBuffer.wrap(new byte[17])).build();
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(codec.encode(letter)));
    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("at value: a bytes field of 17 bytes, more than maxBytesLength 16"), e.getMessage());
  }

  @Test
  void itemsAreCountedOverTheWholeRecord() {
    AvroCodec<Impression> codec = AvroCodec.of(Impression.class, new DecodeLimits(1 << 20, 1 << 10, 1 << 10, 2));
    Impression two = SampleRecords.impression();
    assertEquals(two, codec.decode(codec.encode(two)));
    Impression three = Impression.newBuilder(two).setResults(List.of(new ShownResult("a", 1, 1.0, 1.0, null),
        new ShownResult("b", 2, 1.0, 1.0, null), new ShownResult("c", 3, 1.0, 1.0, null))).build();
    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(codec.encode(three)));
    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("at results: an array block of 3 items"), e.getMessage());
    assertTrue(e.getMessage().contains("more than maxItems 2"), e.getMessage());
  }

  @Test
  void anArrayClaimingTwoBillionItemsInATwentyByteRecordAllocatesNothingOfThatSize() {
    AvroCodec<ModelVersion> codec = Topics.MODEL_VERSIONS.codec();
    // model "m", version, step, examples, uri "u", feature spec "f", dim, seed: then the array count.
    byte[] body = {2, 'm', 2, 2, 2, 2, 'u', 2, 'f', 2, 2, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    byte[] bytes = withBody(codec, body);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();

    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(bytes));

    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(RecordDecodeException.Kind.MALFORMED, e.kind());
    assertTrue(e.getMessage().contains("at source_offsets: an array block claims 2147483647 items"), e.getMessage());
    assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes to refuse " + bytes.length + " bytes");
  }

  @Test
  void anOlderWritersRecordIsCheckedAgainstItsOwnSchema() {
    Schema v0 = SchemaBuilder.record("Click").namespace("dev.dualstream.schemas.avro").fields()
        .requiredString("impression_id").requiredString("doc_id").requiredInt("position")
        .requiredLong("timestamp").endRecord();
    GenericRecord old = new GenericData.Record(v0);
    old.put("impression_id", "imp-9");
    old.put("doc_id", "d".repeat(40));
    old.put("position", 4);
    old.put("timestamp", 1_000L);
    AvroCodec<Click> codec = AvroCodec.of(Click.class, new DecodeLimits(1 << 10, 32, 32, 10)).withKnownWriter(v0);

    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(encodeGeneric(v0, old)));

    assertEquals(RecordDecodeException.Kind.TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("at doc_id: a string of 40 bytes"), e.getMessage());
  }

  @Test
  void aRecursiveWriterNestedDeeperThanTheStackIsMalformed() {
    Schema v0 = new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"Click\","
        + " \"namespace\": \"dev.dualstream.schemas.avro\", \"fields\": ["
        + "{\"name\": \"impression_id\", \"type\": \"string\"}, {\"name\": \"doc_id\", \"type\": \"string\"},"
        + "{\"name\": \"position\", \"type\": \"int\"}, {\"name\": \"timestamp\", \"type\": \"long\"},"
        + "{\"name\": \"chain\", \"type\": {\"type\": \"record\", \"name\": \"Link\", \"fields\": ["
        + "{\"name\": \"next\", \"type\": [\"null\", \"Link\"]}]}}]}");
    AvroCodec<Click> codec = AvroCodec.of(Click.class).withKnownWriter(v0);
    byte[] body = new byte[1_000_000];
    Arrays.fill(body, (byte) 2); // impression_id and doc_id of one byte, then union branch 1, again and again
    byte[] bytes = new byte[10 + body.length];
    bytes[0] = (byte) 0xC3;
    bytes[1] = 0x01;
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(
        org.apache.avro.SchemaNormalization.parsingFingerprint64(v0));
    System.arraycopy(body, 0, bytes, 10, body.length);

    RecordDecodeException e = assertThrows(RecordDecodeException.class, () -> codec.decode(bytes));

    assertEquals(RecordDecodeException.Kind.MALFORMED, e.kind());
    assertTrue(e.getMessage().contains("nests too deeply"), e.getMessage());
  }

  @Test
  void limitsRejectValuesThatCannotWork() {
    assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(9, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1 << 20, -1, 1, 1));
    assertEquals(DecodeLimits.DEFAULTS, Topics.IMPRESSIONS.codec().limits());
  }

  private static byte[] withBody(AvroCodec<?> codec, byte[] body) {
    byte[] bytes = new byte[10 + body.length];
    bytes[0] = (byte) 0xC3;
    bytes[1] = 0x01;
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(codec.fingerprint());
    System.arraycopy(body, 0, bytes, 10, body.length);
    return bytes;
  }

  private static byte[] encodeGeneric(Schema schema, GenericRecord record) {
    try {
      java.nio.ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
