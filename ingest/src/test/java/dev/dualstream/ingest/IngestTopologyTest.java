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
import java.time.Instant;
import java.util.Map;
import dev.dualstream.schemas.avro.Click;
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
    assertEquals(id("i1", "d3", T0.plusSeconds(20)), e.getExampleId());
    assertEquals("query of i1", e.getQuery());
    assertEquals("q-i1", e.getQueryId());
    assertEquals("user-i1", e.getUserId());
    assertEquals(new ExampleDoc("d3", "title d3 v4", "text d3 v4", 4L, 3, 8.0, 1.0 / 3, 0.9), e.getPositive());
    assertEquals(List.of(
        new ExampleDoc("d1", "title d1 v1", "text d1 v1", 1L, 1, 10.0, 1.0, null),
        new ExampleDoc("unknown-doc", "", "", -1L, 2, 9.0, 0.5, 0.9)), e.getSkipAbove(),
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
    assertEquals(1L, stage.accounts().get(Account.CLICKS_AWAITING_IMPRESSION));
    stage.impression(impression("i1", T0, "d1", "d2"));

    List<KeyValue<String, TrainingExample>> out = stage.examples();
    assertEquals(1, out.size());
    assertEquals(id("i1", "d2", T0.plusSeconds(5)), out.get(0).value.getExampleId());
    assertEquals(clickOffset, out.get(0).value.getClick().getOffset());
    assertEquals(List.of("d1"), out.get(0).value.getSkipAbove().stream().map(ExampleDoc::getDocId).toList());
    assertEquals(0L, stage.accounts().get(Account.CLICKS_AWAITING_IMPRESSION));
  }

  @Test
  void clicksOutsideTheWindowAreDeadLetteredWithTheGap() {
    stage.document(document("d1", 1));
    stage.impression(impression("after", T0, "d1"));
    stage.click(click("after", "d1", 1, T0.plus(Duration.ofMinutes(31))));
    stage.impression(impression("before", T0.plus(Duration.ofMinutes(31)), "d1"));
    stage.click(click("before", "d1", 1, T0.plus(Duration.ofMinutes(30))));
    stage.impression(impression("edge", T0.plus(Duration.ofMinutes(31)), "d1"));
    stage.click(click("edge", "d1", 1, T0.plus(Duration.ofMinutes(61))));

    assertEquals(List.of(id("edge", "d1", T0.plus(Duration.ofMinutes(61)))), exampleIds(stage.examples()),
        "only the click exactly at the end of the window joins");
    List<String> reasons = reasons(stage.deadLetters());
    assertEquals(2, reasons.size(), reasons.toString());
    assertTrue(reasons.get(0).contains("is 31m 00s after its impression after, outside the join window (join.window 30m 00s)"),
        reasons.get(0));
    assertTrue(reasons.get(1).contains("is 1m 00s before its impression before"), reasons.get(1));
  }

  @Test
  void joinWindowIsConfigurable(@TempDir Path otherDir) {
    IngestOptions narrow = IngestOptions.builder().stateDir(otherDir).joinWindow(Duration.ofMinutes(5))
        .grace(Duration.ofMinutes(1)).dedupRetention(Duration.ofMinutes(10)).build();
    try (TestStage s = new TestStage(narrow)) {
      s.document(document("d1", 1));
      s.impression(impression("a", T0, "d1"));
      s.click(click("a", "d1", 1, T0.plus(Duration.ofMinutes(6))));
      s.impression(impression("b", T0.plus(Duration.ofMinutes(6)), "d1"));
      s.click(click("b", "d1", 1, T0.plus(Duration.ofMinutes(10))));
      assertEquals(List.of(id("b", "d1", T0.plus(Duration.ofMinutes(10)))), exampleIds(s.examples()));
      assertEquals(1, s.deadLetters().size(), "the click 6 minutes after impression a");
    }
  }

  @Test
  void everyClickOfAnImpressionMakesAnExampleAndRepeatsAreDropped() {
    stage.document(document("d1", 1));
    stage.document(document("d2", 1));
    Instant t1 = T0.plusSeconds(1);
    stage.click(click("i1", "d1", 1, t1));
    stage.click(click("i1", "d1", 1, t1));
    stage.impression(impression("i1", T0, "d1", "d2"));
    stage.click(click("i1", "d1", 1, t1));
    stage.impression(impression("i1", T0, "d1", "d2"));
    stage.click(click("i1", "d2", 2, T0.plusSeconds(12)));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(40)));

    assertEquals(List.of(id("i1", "d1", t1), id("i1", "d2", T0.plusSeconds(12)), id("i1", "d1", T0.plusSeconds(40))),
        exampleIds(stage.examples()),
        "one example per distinct click: the same click sent three times (twice before the impression) is one");
    Map<Account, Long> accounts = stage.accounts();
    assertEquals(2L, accounts.get(Account.CLICKS_DUPLICATE));
    assertEquals(1L, accounts.get(Account.IMPRESSIONS_DUPLICATE), "the impression sent twice");
    assertEquals(3L, accounts.get(Account.CLICKS_EXAMPLE));
    assertTrue(stage.deadLetters().isEmpty());
  }

  @Test
  void lateEventsAreDeadLetteredWithTheirLateness() {
    stage.document(document("d1", 1));
    Instant later = T0.plus(Duration.ofHours(2));
    stage.impression(impression("now", later, "d1"));
    stage.impression(impression("old", T0, "d1"));
    stage.click(click("now", "d1", 1, later.minus(Duration.ofMinutes(6))));
    stage.click(click("now", "d1", 1, later.minus(Duration.ofMinutes(4))));

    List<KeyValue<byte[], DeadLetter>> dead = stage.deadLetters();
    assertEquals(3, dead.size(), dead.toString());
    assertEquals("Late", dead.get(0).value.getErrorClass());
    assertEquals("late: impression at " + T0 + " is 2h 00m behind the stream time " + later
        + " (join.window 30m 00s + join.grace 5m 00s)", dead.get(0).value.getReason());
    assertEquals("late: click at " + later.minus(Duration.ofMinutes(6)) + " is 6m 00s behind the stream time " + later
        + " (join.grace 5m 00s)", dead.get(1).value.getReason());
    assertTrue(dead.get(2).value.getReason().contains("is 4m 00s before its impression now"),
        "a click 4 minutes behind is not late, but precedes its impression: " + dead.get(2).value.getReason());
    assertTrue(stage.examples().isEmpty());
  }

  @Test
  void anImplausibleEventTimeIsDeadLetteredAndDoesNotMoveTheStreamTime() {
    stage.document(document("d1", 1));
    stage.impression(impression("i1", T0, "d1"));
    long future = stage.impression(impression("far", T0.plus(Duration.ofDays(400)), "d1"));
    stage.impression(impression("soon", T0.plus(Duration.ofHours(30)), "d1"));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(5)));

    List<KeyValue<byte[], DeadLetter>> dead = stage.deadLetters();
    assertEquals(2, dead.size(), dead.toString());
    assertEquals(new SourceOffset(IMPRESSIONS, 0, future), dead.get(0).value.getSource());
    assertEquals("ImplausibleEventTime", dead.get(0).value.getErrorClass());
    assertTrue(dead.get(0).value.getReason().startsWith("implausible event time " + T0.plus(Duration.ofDays(400))
        + ": 400d 0h ahead of the stream time"), dead.get(0).value.getReason());
    assertTrue(dead.get(1).value.getReason().contains("1d 6h ahead of the stream time"), dead.get(1).value.getReason());
    assertEquals(List.of(id("i1", "d1", T0.plusSeconds(5))), exampleIds(stage.examples()),
        "neither moved the stream time, so the click is not late");
  }

  @Test
  void theFirstRecordIsBoundedByTheWallClock() {
    long offset = stage.impression(impression("i1", T0.plus(Duration.ofDays(3)), "d1"));
    DeadLetter letter = single(stage.deadLetters());
    assertEquals(new SourceOffset(IMPRESSIONS, 0, offset), letter.getSource());
    assertTrue(letter.getReason().endsWith("3d 0h ahead of the wall clock (time.max.future 1d 0h)"), letter.getReason());
  }

  @Test
  void kafkaTimestampsFromAnotherClockAreIgnored() {
    stage.document(document("d1", 1));
    Instant today = T0.plus(Duration.ofDays(700));
    stage.send(CLICKS, TestRecords.utf8("x"), TestRecords.malformed(), today);
    stage.send(IMPRESSIONS, TestRecords.utf8("f1"), TestRecords.bytes(impression("f1", T0, "d1")), today);
    stage.send(CLICKS, TestRecords.utf8("f1"), TestRecords.bytes(click("f1", "d1", 1, T0.plusSeconds(3))), today);
    stage.impression(impression("i1", T0.plusSeconds(10), "d1"));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(15)));

    assertEquals(List.of(id("f1", "d1", T0.plusSeconds(3)), id("i1", "d1", T0.plusSeconds(15))),
        exampleIds(stage.examples()), "event time, not the producer's clock, decides");
    assertEquals(1, stage.deadLetters().size());
  }

  @Test
  void clicksWithAShortDwellAreDroppedAndCounted(@TempDir Path otherDir) {
    IngestOptions options = IngestOptions.builder().stateDir(otherDir).minDwell(Duration.ofSeconds(2)).build();
    try (TestStage s = new TestStage(options)) {
      s.document(document("d1", 1));
      s.document(document("d2", 1));
      s.impression(impression("i1", T0, "d1", "d2"));
      s.click(new Click("i1", "d1", 1, T0.plusSeconds(1), 1_999L));
      s.click(new Click("i1", "d2", 2, T0.plusSeconds(2), 2_000L));
      s.click(new Click("i1", "d1", 1, T0.plusSeconds(3), null));
      assertEquals(List.of(id("i1", "d2", T0.plusSeconds(2)), id("i1", "d1", T0.plusSeconds(3))),
          exampleIds(s.examples()), "a click without a dwell time is kept");
      assertEquals(1L, s.accounts().get(Account.CLICKS_SHORT_DWELL));
    }
  }

  @Test
  void windowsCloseInEventTimeAndEveryRecordIsAccountedFor() {
    stage.document(document("d1", 1));
    stage.document(document("d1", 0));
    stage.impression(impression("clicked", T0, "d1"));
    stage.click(click("clicked", "d1", 1, T0.plusSeconds(2)));
    stage.impression(impression("ignored", T0, "d1"));
    stage.click(click("orphan", "d1", 1, T0.plusSeconds(3)));
    stage.send(CLICKS, TestRecords.utf8("bad"), TestRecords.malformed());
    Map<Account, Long> open = stage.accounts();
    assertEquals(2L, open.get(Account.IMPRESSIONS_OPEN));
    assertEquals(1L, open.get(Account.CLICKS_AWAITING_IMPRESSION));

    stage.impression(impression("much-later", T0.plus(Duration.ofHours(2)), "d1"));
    Map<Account, Long> a = stage.accounts();
    assertEquals(1L, a.get(Account.IMPRESSIONS_CLICKED));
    assertEquals(1L, a.get(Account.IMPRESSIONS_NEVER_CLICKED));
    assertEquals(1L, a.get(Account.IMPRESSIONS_OPEN), "the last impression's window is still open");
    assertEquals(0L, a.get(Account.CLICKS_AWAITING_IMPRESSION));
    assertEquals(2L, a.get(Account.CLICKS_DEAD_LETTER), "the malformed click, and the one without an impression");
    assertEquals(1L, a.get(Account.DOCUMENTS_STALE));
    assertEquals(1L, a.get(Account.DOCUMENTS_APPLIED));
    List<String> reasons = reasons(stage.deadLetters());
    assertTrue(reasons.get(1).startsWith("no impression orphan within the join window"), reasons.toString());
    assertBalanced(stage);
  }

  @Test
  void aClickOnADocumentNotSeenYetWaitsForIt() {
    stage.impression(impression("i1", T0, "d1", "d2"));
    stage.click(click("i1", "d1", 1, T0.plusSeconds(1)));
    stage.click(click("i1", "d2", 2, T0.plusSeconds(2)));
    assertTrue(stage.examples().isEmpty());
    assertEquals(2L, stage.accounts().get(Account.CLICKS_AWAITING_DOCUMENT));

    stage.document(document("d1", 1));
    stage.advanceWallClock(Duration.ofSeconds(10));
    assertEquals(List.of(id("i1", "d1", T0.plusSeconds(1))), exampleIds(stage.examples()), "d1 came in time");
    stage.advanceWallClock(Duration.ofSeconds(25));
    DeadLetter letter = single(stage.deadLetters());
    assertEquals("unknown document d2: not in corpus.documents after waiting 30s (document.wait)", letter.getReason());
    assertEquals(0L, stage.accounts().get(Account.CLICKS_AWAITING_DOCUMENT));
    assertBalanced(stage);
  }

  @Test
  void lowerVersionNeverReplacesHigherAndTombstoneDeletes(@TempDir Path otherDir) {
    try (TestStage s = new TestStage(IngestOptions.builder().stateDir(otherDir).documentWait(Duration.ZERO).build())) {
      s.document(document("d1", 3));
      s.document(document("d1", 2));
      s.impression(impression("i1", T0, "d1"));
      s.click(click("i1", "d1", 1, T0.plusSeconds(1)));
      assertEquals("text d1 v3", s.examples().get(0).value.getPositive().getText());
      s.document(document("d1", 4));
      s.click(click("i1", "d1", 1, T0.plusSeconds(2)));
      assertEquals("text d1 v4", s.examples().get(0).value.getPositive().getText(),
          "the join sees a new version as soon as the store has it, though it had the old one decoded");

      s.tombstone("d1");
      s.impression(impression("i2", T0, "d1"));
      long clickOffset = s.click(click("i2", "d1", 1, T0.plusSeconds(1)));
      assertTrue(s.examples().isEmpty());
      List<KeyValue<byte[], DeadLetter>> dead = s.deadLetters();
      assertEquals(1, dead.size(), "the tombstone itself is valid; the click on the deleted doc is not");
      assertEquals("unknown document d1", dead.get(0).value.getReason());
      assertEquals(new SourceOffset(CLICKS, 0, clickOffset), dead.get(0).value.getSource());

      s.document(document("d1", 1));
      s.impression(impression("i3", T0, "d1"));
      s.click(click("i3", "d1", 1, T0.plusSeconds(1)));
      assertEquals(1L, s.examples().get(0).value.getPositive().getVersion(), "after a delete any version is new");
      Map<Account, Long> a = s.accounts();
      assertEquals(4L, a.get(Account.DOCUMENTS_APPLIED), "v3, v4, the tombstone, v1 after it");
      assertEquals(1L, a.get(Account.DOCUMENTS_STALE), "v2 after v3");
    }
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
    assertEquals(List.of(id("i1", "d1", T0.plusSeconds(1)), id("i2", "d1", T0.plusSeconds(1))), exampleIds(out));
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

  /** Every record piped is in exactly one account: the equations of {@link Account}, with dead letters from the stage's state. */
  private static void assertBalanced(TestStage stage) {
    Map<Account, Long> a = stage.accounts();
    assertEquals(stage.piped(IMPRESSIONS), a.get(Account.IMPRESSIONS_CLICKED) + a.get(Account.IMPRESSIONS_NEVER_CLICKED)
        + a.get(Account.IMPRESSIONS_DUPLICATE) + a.get(Account.IMPRESSIONS_DEAD_LETTER) + a.get(Account.IMPRESSIONS_OPEN),
        "impressions: " + a);
    assertEquals(stage.piped(CLICKS), a.get(Account.CLICKS_EXAMPLE) + a.get(Account.CLICKS_DUPLICATE)
        + a.get(Account.CLICKS_SHORT_DWELL) + a.get(Account.CLICKS_DEAD_LETTER) + a.get(Account.CLICKS_AWAITING_IMPRESSION)
        + a.get(Account.CLICKS_AWAITING_DOCUMENT), "clicks: " + a);
    assertEquals(stage.piped(DOCUMENTS), a.get(Account.DOCUMENTS_APPLIED) + a.get(Account.DOCUMENTS_STALE)
        + a.get(Account.DOCUMENTS_DEAD_LETTER), "documents: " + a);
  }

  private static String id(String impression, String doc, Instant clickTime) {
    return impression + "/" + doc + "/" + clickTime.toEpochMilli();
  }

  private static List<String> exampleIds(List<KeyValue<String, TrainingExample>> examples) {
    return examples.stream().map(kv -> kv.value.getExampleId()).toList();
  }

  private static List<String> reasons(List<KeyValue<byte[], DeadLetter>> dead) {
    return dead.stream().map(kv -> kv.value.getReason()).toList();
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
