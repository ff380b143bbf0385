package dev.dualstream.ingest;

import static dev.dualstream.ingest.TestRecords.T0;
import static dev.dualstream.ingest.TestRecords.click;
import static dev.dualstream.ingest.TestRecords.document;
import static dev.dualstream.ingest.TestRecords.impression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IngestTopologyTest {
  private static final String IMPRESSIONS = Topics.IMPRESSIONS.name();
  private static final String CLICKS = Topics.CLICKS.name();
  private static final String DOCUMENTS = Topics.DOCUMENTS.name();
  private static final String UNKNOWN_SCHEMA = "unknown writer schema fingerprint 0123456789abcdef";

  @TempDir Path stateDir;
  private TestStage stage;

  @BeforeEach
  void start() {
    stage = new TestStage(IngestOptions.builder().stateDir(stateDir).build());
  }

  @AfterEach
  void stop() {
    stage.close();
  }

  @Test
  void joinProducesExampleWithTextSkipAboveAndProvenance() {
    stage.document(document("d1", 1));
    stage.document(document("d2", 1));
    stage.document(document("d3", 4));
    long impOffset = stage.impression(impression("i1", T0, "d1", "unknown-doc", "d3", "d2"));
    long clickOffset = stage.click(click("i1", "d3", 3, T0.plusSeconds(20)));

    List<KeyValue<String, TrainingExample>> out = stage.examples();
    assertEquals(1, out.size(), "one click, one example");
    assertEquals("i1", out.get(0).key);
    TrainingExample e = out.get(0).value;
    assertEquals("i1/d3", e.getExampleId());
    assertEquals("query of i1", e.getQuery());
    assertEquals("q-i1", e.getQueryId());
    assertEquals("user-i1", e.getUserId());
    assertEquals(new ExampleDoc("d3", "title d3 v4", "text d3 v4", 4L, 3, 8.0, 1.0 / 3), e.getPositive());
    assertEquals(List.of(
        new ExampleDoc("d1", "title d1 v1", "text d1 v1", 1L, 1, 10.0, 1.0),
        new ExampleDoc("unknown-doc", "", "", -1L, 2, 9.0, 0.5)), e.getSkipAbove(),
        "results above the click, unknown ones without text; d2 (below) is not a negative");
    assertEquals(T0.plusSeconds(20), e.getEventTime());
    assertEquals(new SourceOffset(IMPRESSIONS, 0, impOffset), e.getImpression());
    assertEquals(new SourceOffset(CLICKS, 0, clickOffset), e.getClick());
    assertTrue(stage.deadLetters().isEmpty());
  }

  @Test
  void clickArrivingBeforeItsImpressionStillJoins() {
    stage.document(document("d2", 1));
    long clickOffset = stage.click(click("i1", "d2", 2, T0.plusSeconds(5)));
    assertTrue(stage.examples().isEmpty(), "nothing to join yet");
    stage.impression(impression("i1", T0, "d1", "d2"));

    List<KeyValue<String, TrainingExample>> out = stage.examples();
    assertEquals(1, out.size());
    assertEquals("i1/d2", out.get(0).value.getExampleId());
    assertEquals(clickOffset, out.get(0).value.getClick().getOffset());
    assertEquals(List.of("d1"), out.get(0).value.getSkipAbove().stream().map(ExampleDoc::getDocId).toList());
  }

  @Test
  void clicksOutsideTheWindowProduceNothing() {
    stage.document(document("d1", 1));
    stage.impression(impression("late", T0, "d1"));
    stage.click(click("late", "d1", 1, T0.plus(Duration.ofMinutes(31))));
    stage.impression(impression("early", T0, "d1"));
    stage.click(click("early", "d1", 1, T0.minusSeconds(1)));
    stage.click(click("parked", "d1", 1, T0.plus(Duration.ofMinutes(45))));
    stage.impression(impression("parked", T0, "d1"));
    stage.impression(impression("edge", T0, "d1"));
    stage.click(click("edge", "d1", 1, T0.plus(Duration.ofMinutes(30))));

    assertEquals(List.of("edge/d1"), stage.examples().stream().map(kv -> kv.value.getExampleId()).toList(),
        "only the click exactly at the end of the window joins");
    assertTrue(stage.deadLetters().isEmpty(), "an unjoined click is not bad input");
  }

  @Test
  void joinWindowIsConfigurable(@TempDir Path otherDir) {
    IngestOptions narrow = IngestOptions.builder().stateDir(otherDir).joinWindow(Duration.ofMinutes(5))
        .grace(Duration.ofMinutes(1)).dedupRetention(Duration.ofMinutes(10)).build();
    try (TestStage s = new TestStage(narrow)) {
      s.document(document("d1", 1));
      s.impression(impression("a", T0, "d1"));
      s.click(click("a", "d1", 1, T0.plus(Duration.ofMinutes(6))));
      s.impression(impression("b", T0, "d1"));
      s.click(click("b", "d1", 1, T0.plus(Duration.ofMinutes(4))));
      assertEquals(List.of("b/d1"), s.examples().stream().map(kv -> kv.value.getExampleId()).toList());
    }
  }

  @Test
  void repeatedClicksYieldOneExample() {
    stage.document(document("d1", 1));
    stage.document(document("d2", 1));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(1)));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(1)));
    stage.impression(impression("i1", T0, "d1", "d2"));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(9)));
    stage.impression(impression("i1", T0, "d1", "d2"));
    stage.click(click("i1", "d2", 2, T0.plusSeconds(12)));

    assertEquals(List.of("i1/d1", "i1/d2"), stage.examples().stream().map(kv -> kv.value.getExampleId()).toList(),
        "three clicks on d1 (two before, one after the impression) and a re-sent impression give one example");
  }

  @Test
  void lowerVersionNeverReplacesHigherAndTombstoneDeletes() {
    stage.document(document("d1", 3));
    stage.document(document("d1", 2));
    stage.impression(impression("i1", T0, "d1"));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(1)));
    assertEquals("text d1 v3", stage.examples().get(0).value.getPositive().getText());

    stage.tombstone("d1");
    stage.impression(impression("i2", T0, "d1"));
    long clickOffset = stage.click(click("i2", "d1", 1, T0.plusSeconds(1)));
    assertTrue(stage.examples().isEmpty());
    List<KeyValue<byte[], DeadLetter>> dead = stage.deadLetters();
    assertEquals(1, dead.size(), "the tombstone itself is valid; the click on the deleted doc is not");
    assertEquals("unknown document d1", dead.get(0).value.getReason());
    assertEquals(new SourceOffset(CLICKS, 0, clickOffset), dead.get(0).value.getSource());

    stage.document(document("d1", 1));
    stage.impression(impression("i3", T0, "d1"));
    stage.click(click("i3", "d1", 1, T0.plusSeconds(1)));
    assertEquals(1L, stage.examples().get(0).value.getPositive().getVersion(), "after a delete any version is new");
  }

  @Test
  void clickOnADocumentThatWasNotShownIsDeadLettered() {
    stage.document(document("d1", 1));
    stage.document(document("d7", 1));
    stage.impression(impression("i1", T0, "d1"));
    byte[] clickBytes = TestRecords.bytes(click("i1", "d7", 2, T0.plusSeconds(3)));
    long offset = stage.send(CLICKS, TestRecords.utf8("i1"), clickBytes);

    assertTrue(stage.examples().isEmpty());
    DeadLetter letter = single(stage.deadLetters());
    assertEquals("clicked doc d7 was not among the 1 results shown in impression i1", letter.getReason());
    assertEquals(new SourceOffset(CLICKS, 0, offset), letter.getSource());
    assertArrayEquals(clickBytes, array(letter.getValue()), "the click's bytes exactly as sent");
  }

  static Stream<Arguments> badRecords() {
    byte[] imp = TestRecords.bytes(impression("i9", T0, "d1"));
    byte[] clk = TestRecords.bytes(click("i9", "d1", 1, T0));
    byte[] doc = TestRecords.bytes(document("d9", 1));
    String rde = "RecordDecodeException";
    String bad = "InvalidRecord";
    return Stream.of(
        Arguments.of(IMPRESSIONS, "i9", TestRecords.malformed(), rde, "not a single-object encoded Impression"),
        Arguments.of(IMPRESSIONS, "i9", TestRecords.unknownSchema(), rde, UNKNOWN_SCHEMA),
        Arguments.of(IMPRESSIONS, "i9", corrupt(Topics.IMPRESSIONS), rde, "corrupt Impression body"),
        Arguments.of(IMPRESSIONS, "i9", null, rde, "null value where a Impression"),
        Arguments.of(IMPRESSIONS, null, imp, bad, "Impression with a null key"),
        Arguments.of(IMPRESSIONS, "", imp, bad, "Impression with a empty key"),
        Arguments.of(IMPRESSIONS, "other", imp, bad, "key 'other' does not match impression_id 'i9'"),
        Arguments.of(CLICKS, "i9", TestRecords.malformed(), rde, "not a single-object encoded Click"),
        Arguments.of(CLICKS, "i9", TestRecords.unknownSchema(), rde, UNKNOWN_SCHEMA),
        Arguments.of(CLICKS, "i9", corrupt(Topics.CLICKS), rde, "corrupt Click body"),
        Arguments.of(CLICKS, "i9", null, rde, "null value where a Click was expected"),
        Arguments.of(CLICKS, null, clk, bad, "Click with a null key"),
        Arguments.of(CLICKS, "other", clk, bad, "key 'other' does not match the click's impression_id"),
        Arguments.of(DOCUMENTS, "d1", TestRecords.malformed(), rde, "not a single-object encoded Document"),
        Arguments.of(DOCUMENTS, "d1", TestRecords.unknownSchema(), rde, UNKNOWN_SCHEMA),
        Arguments.of(DOCUMENTS, "d1", corrupt(Topics.DOCUMENTS), rde, "corrupt Document body"),
        Arguments.of(DOCUMENTS, null, null, bad, "Document with a null key"),
        Arguments.of(DOCUMENTS, null, doc, bad, "Document with a null key"),
        Arguments.of(DOCUMENTS, "d1", doc, bad, "key 'd1' does not match doc_id 'd9'"));
  }

  @ParameterizedTest(name = "{0} key={1} {4}")
  @MethodSource("badRecords")
  void badInputBecomesOneDeadLetterWhileValidRecordsFlow(String topic, String key, byte[] value, String errorClass,
      String reasonStart) {
    stage.document(document("d1", 1));
    stage.impression(impression("i1", T0, "d2", "d1"));
    long offset = stage.send(topic, TestRecords.utf8(key), value);
    stage.click(click("i1", "d1", 2, T0.plusSeconds(1)));
    stage.impression(impression("i2", T0, "d1"));
    stage.click(click("i2", "d1", 1, T0.plusSeconds(1)));

    List<KeyValue<byte[], DeadLetter>> dead = stage.deadLetters();
    assertEquals(1, dead.size(), "exactly one dead letter: " + dead);
    DeadLetter letter = dead.get(0).value;
    assertTrue(letter.getReason().startsWith(reasonStart), letter.getReason());
    assertEquals(new SourceOffset(topic, 0, offset), letter.getSource());
    assertEquals("ingest", letter.getStage());
    assertEquals(errorClass, letter.getErrorClass());
    assertArrayEquals(TestRecords.utf8(key), dead.get(0).key, "output key = original key bytes");
    assertArrayEquals(TestRecords.utf8(key), array(letter.getKey()));
    assertArrayEquals(value, array(letter.getValue()));
    assertEquals(T0, letter.getTimestamp(), "rejection time comes from Kafka Streams' (here: the driver's) clock");
    List<KeyValue<String, TrainingExample>> out = stage.examples();
    assertEquals(List.of("i1/d1", "i2/d1"), out.stream().map(kv -> kv.value.getExampleId()).toList());
    assertEquals("text d1 v1", out.get(0).value.getPositive().getText(), "a bad document does not replace a good one");
  }

  @Test
  void documentTombstoneWithAKeyIsNotADeadLetter() {
    stage.tombstone("d1");
    assertTrue(stage.deadLetters().isEmpty());
  }

  @Test
  void nullValueOnAJoinInputKeepsNoRawValue() {
    stage.send(CLICKS, TestRecords.utf8("i1"), null);
    assertNull(single(stage.deadLetters()).getValue());
  }

  private static byte[] corrupt(Topic<String, ?> topic) {
    return TestRecords.corruptBody(topic.codec().fingerprint());
  }

  private static DeadLetter single(List<KeyValue<byte[], DeadLetter>> dead) {
    assertEquals(1, dead.size(), "dead letters: " + dead);
    return dead.get(0).value;
  }

  private static byte[] array(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
