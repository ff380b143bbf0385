package dev.dualstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.samples.SampleRecords;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
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
        "training.metrics", "models.versions", "deadletter.ingest", "deadletter.trainer"), names);
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
  void randomCorruptionNeverEscapesAsAnythingButRecordDecodeException() {
    AvroCodec<Impression> codec = Topics.IMPRESSIONS.codec();
    byte[] good = codec.encode(SampleRecords.impression());
    Random random = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      byte[] b = Arrays.copyOf(good, 10 + random.nextInt(good.length));
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        int at = 10 + random.nextInt(Math.max(1, b.length - 10));
        if (at < b.length) {
          b[at] = (byte) random.nextInt(256);
        }
      }
      try {
        codec.decode(b);
      } catch (RecordDecodeException expected) {
        // the only exception type allowed out of decode
      }
    }
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
