package dev.dualstream.ingest;

import static dev.dualstream.ingest.TestRecords.T0;
import static dev.dualstream.ingest.TestRecords.bytes;
import static dev.dualstream.ingest.TestRecords.click;
import static dev.dualstream.ingest.TestRecords.document;
import static dev.dualstream.ingest.TestRecords.impression;
import static dev.dualstream.ingest.TestRecords.malformed;
import static dev.dualstream.ingest.TestRecords.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceJoinTest {
  private static final String IMPRESSIONS = Topics.IMPRESSIONS.name();
  private static final String CLICKS = Topics.CLICKS.name();
  private static final String DOCUMENTS = Topics.DOCUMENTS.name();
  private static final Duration WINDOW = Duration.ofMinutes(30);
  private static final IngestOptions OPTIONS = IngestOptions.builder().joinWindow(WINDOW).build();

  private final List<ConsumerRecord<byte[], byte[]>> input = new ArrayList<>();

  @Test
  void joinsEachClickInTheWindowOnceWithTheFirstImpressionAndTheWinningDocumentVersions() {
    documentAt(0, "d1", bytes(document("d1", 1)));
    documentAt(1, "d1", bytes(document("d1", 3)));
    documentAt(2, "d1", bytes(document("d1", 2))); // lower version: d1 stays at 3
    documentAt(3, "d2", bytes(document("d2", 1)));
    documentAt(4, "d2", null); // deleted: a click on d2 finds no document
    documentAt(5, "d3", bytes(document("d3", 1)));
    documentAt(6, "d3", malformed()); // does not decode: d3 stays
    record(IMPRESSIONS, 0, 0, "i1", bytes(impression("i1", T0, "d3", "d2", "d1")));
    record(IMPRESSIONS, 0, 1, "i1", bytes(impression("i1", T0.plusSeconds(60), "d1"))); // a repeat: the first stays
    record(IMPRESSIONS, 1, 0, "i2", bytes(impression("i2", T0, "d1", "d3")));
    clickAt(0, 0, click("i1", "d3", 1, T0)); // at the impression's time: in
    clickAt(0, 1, click("i1", "d1", 3, T0.plus(WINDOW))); // at the window's end: in, above it d3 and d2
    clickAt(0, 2, click("i1", "d1", 3, T0.plus(WINDOW))); // the same example id again: a repeat
    clickAt(0, 3, click("i1", "d1", 3, T0.plus(WINDOW).plusMillis(1))); // past the window
    clickAt(0, 4, click("i1", "d2", 2, T0.plusSeconds(5))); // deleted document
    clickAt(0, 5, click("i1", "d9", 4, T0.plusSeconds(6))); // not shown
    clickAt(1, 0, click("i2", "d3", 2, T0.minusMillis(1))); // before its impression
    clickAt(1, 1, click("i3", "d1", 1, T0.plusSeconds(1))); // no such impression
    clickAt(1, 2, click("i2", "d1", 1, T0.plusSeconds(9)));
    Collections.shuffle(input, new Random(7)); // the order handed in does not matter, offsets do

    Map<String, TrainingExample> examples = ReferenceJoin.examples(input, OPTIONS);

    assertEquals(Set.of(id("i1", "d3", T0), id("i1", "d1", T0.plus(WINDOW)), id("i2", "d1", T0.plusSeconds(9))),
        examples.keySet());
    TrainingExample atEnd = examples.get(id("i1", "d1", T0.plus(WINDOW)));
    assertEquals(new ExampleDoc("d1", "title d1 v3", "text d1 v3", 3L, 3, 8.0, 1.0 / 3, 0.9), atEnd.getPositive());
    assertEquals(List.of(new ExampleDoc("d3", "title d3 v1", "text d3 v1", 1L, 1, 10.0, 1.0, null),
        new ExampleDoc("d2", "", "", -1L, 2, 9.0, 0.5, 0.9)), atEnd.getSkipAbove(), "the deleted d2 is unknown text");
    assertEquals(new SourceOffset(IMPRESSIONS, 0, 0L), atEnd.getImpression(), "the first impression of i1");
    assertEquals(new SourceOffset(CLICKS, 0, 1L), atEnd.getClick(), "the first click of the id, not its repeat");
  }

  @Test
  void aClickDroppedForItsShortDwellIsNoFirstSoItsRepeatJoins() {
    documentAt(0, "d1", bytes(document("d1", 1)));
    record(IMPRESSIONS, 0, 0, "i1", bytes(impression("i1", T0, "d1")));
    clickAt(0, 0, new Click("i1", "d1", 1, T0.plusSeconds(3), 100L));
    clickAt(0, 1, new Click("i1", "d1", 1, T0.plusSeconds(3), 1_500L)); // the same example id
    String id = id("i1", "d1", T0.plusSeconds(3));

    Map<String, TrainingExample> minDwell =
        ReferenceJoin.examples(input, OPTIONS.toBuilder().minDwell(Duration.ofMillis(500)).build());
    Map<String, TrainingExample> anyDwell = ReferenceJoin.examples(input, OPTIONS);

    assertEquals(Set.of(id), minDwell.keySet());
    assertEquals(new SourceOffset(CLICKS, 0, 1L), minDwell.get(id).getClick(), "the short click was dropped");
    assertEquals(new SourceOffset(CLICKS, 0, 0L), anyDwell.get(id).getClick(), "without click.min.dwell the first joins");
  }

  @Test
  void recordsThatTheStageRefusesTakePartInNothing() {
    documentAt(0, "d1", bytes(document("d1", 1)));
    record(DOCUMENTS, 0, 1, "d2", bytes(document("d1", 5))); // key and doc id differ
    record(IMPRESSIONS, 0, 0, "i1", malformed());
    record(IMPRESSIONS, 0, 1, "i1", bytes(impression("i1", T0, "d1")));
    record(IMPRESSIONS, 0, 2, "i2", bytes(impression("i1", T0, "d1"))); // key and impression id differ
    record(CLICKS, 0, 0, null, bytes(click("i1", "d1", 1, T0.plusSeconds(2)))); // no key
    record(CLICKS, 0, 1, "i2", bytes(click("i1", "d1", 1, T0.plusSeconds(3)))); // key and impression id differ
    clickAt(0, 2, click("i1", "d1", 1, T0.plusSeconds(2)));

    Map<String, TrainingExample> examples = ReferenceJoin.examples(input, OPTIONS);

    assertEquals(Set.of(id("i1", "d1", T0.plusSeconds(2))), examples.keySet(),
        "the keyless click was no repeat, the malformed impression no first");
    TrainingExample only = examples.values().iterator().next();
    assertEquals(1L, only.getPositive().getVersion(), "the mis-keyed version 5 was not applied");
    assertEquals(new SourceOffset(IMPRESSIONS, 0, 1L), only.getImpression());
    assertEquals(new SourceOffset(CLICKS, 0, 2L), only.getClick());
  }

  /**
   * The stage (in {@link TopologyTestDriver}s, one partition) and the reference on the same seeded,
   * well-ordered input: documents first with versions out of order and deletions, then impressions 15 s
   * apart with repeats, clicks around their window's edges (some before their impression arrives), repeats,
   * clicks on unknown or unshown documents, short dwells and malformed records. A window of 2 min within the
   * default 5 min grace keeps every record on time.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void agreesWithTheStageOnSeededWellOrderedInput(long seed, @TempDir Path stateDir) {
    IngestOptions options = OPTIONS.toBuilder().joinWindow(Duration.ofMinutes(2)).minDwell(Duration.ofMillis(1_000))
        .stateDir(stateDir).stateStore(IngestOptions.StateStore.MEMORY).build();
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, TrainingExample> fromStage = new TreeMap<>();
    try (TestStage stage = new TestStage(options)) {
      for (int i = 0; i < 40; i++) {
        String doc = "d" + random.nextInt(12);
        byte[] value = random.nextInt(8) == 0 ? null : bytes(document(doc, random.nextInt(4)));
        pipe(stage, DOCUMENTS, doc, value);
      }
      for (int i = 0; i < 60; i++) {
        String id = "i" + i;
        Instant t = T0.plusSeconds(15L * i);
        List<String> shown = List.of("d" + random.nextInt(14), "d" + random.nextInt(14), "d" + random.nextInt(14));
        List<Click> clicks = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
          long offsetMs = random.nextInt(4) == 0 ? 120_000 + random.nextInt(3) - 1 : random.nextInt(125_000) - 2_000;
          String doc = random.nextInt(5) == 0 ? "d" + random.nextInt(14) : shown.get(random.nextInt(shown.size()));
          clicks.add(new Click(id, doc, 1, t.plusMillis(offsetMs), 500L + random.nextInt(2_000)));
        }
        if (random.nextInt(3) == 0 && !clicks.isEmpty()) {
          clicks.add(clicks.get(0));
        }
        boolean clicksFirst = random.nextInt(5) == 0;
        if (clicksFirst) {
          clicks.forEach(c -> pipe(stage, CLICKS, id, bytes(c)));
        }
        pipe(stage, IMPRESSIONS, id, random.nextInt(15) == 0 ? malformed()
            : bytes(impression(id, t, shown.toArray(String[]::new))));
        if (random.nextInt(6) == 0) {
          pipe(stage, IMPRESSIONS, id, bytes(impression(id, t.plusSeconds(1), "d" + random.nextInt(14))));
        }
        if (!clicksFirst) {
          clicks.forEach(c -> pipe(stage, CLICKS, id, random.nextInt(20) == 0 ? malformed() : bytes(c)));
        }
      }
      for (KeyValue<String, TrainingExample> kv : stage.examples()) {
        assertNull(fromStage.put(kv.value.getExampleId(), kv.value), "the stage emitted one example id twice");
      }
    }

    Map<String, TrainingExample> reference = ReferenceJoin.examples(input, options);

    assertTrue(reference.size() > 10, "the input makes examples: " + reference.size());
    assertEquals(fromStage, reference);
  }

  private void pipe(TestStage stage, String topic, String key, byte[] value) {
    long offset = stage.send(topic, utf8(key), value);
    record(topic, 0, offset, key, value);
  }

  private void documentAt(long offset, String key, byte[] value) {
    record(DOCUMENTS, 0, offset, key, value);
  }

  private void clickAt(int partition, long offset, Click click) {
    record(CLICKS, partition, offset, click.getImpressionId(), bytes(click));
  }

  private void record(String topic, int partition, long offset, String key, byte[] value) {
    input.add(new ConsumerRecord<>(topic, partition, offset, utf8(key), value));
  }

  private static String id(String impression, String doc, Instant clickTime) {
    return impression + "/" + doc + "/" + clickTime.toEpochMilli();
  }
}
