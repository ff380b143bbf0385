package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.TrainingPair;
import dev.dualstream.trainer.negatives.DocKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Decoding and featurizing: remembered feature ids are exactly the ids of featurizing each example
 * afresh, skip-above documents are featurized as the model's negatives ask, bad records go to the dead
 * letters, and what goes to the trainer is a Flink POJO (no generic Kryo serialization between the tasks).
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException
class DecodeAndFeaturizeTest {
  private static final Featurizer FEATURIZER = new Featurizer(FeatureSpec.defaults());

  @Test
  void rememberedIdsAreTheIdsOfFeaturizingEachExample() throws Exception {
    List<RawRecord> input = repeatedExamples(2_000, 23);
    List<FeaturizedExample> fresh = run(new DecodeAndFeaturize(FEATURIZER, 0, 0, 0), input);
    // 64 KiB holds a few dozen of the 150 distinct texts: hits and evictions both happen
    List<FeaturizedExample> remembered = run(new DecodeAndFeaturize(FEATURIZER, 64 << 10, 0, 0), input);
    assertEquals(input.size(), fresh.size());
    assertEquals(fresh.size(), remembered.size());
    for (int i = 0; i < fresh.size(); i++) {
      FeaturizedExample a = fresh.get(i);
      FeaturizedExample b = remembered.get(i);
      assertEquals(a.exampleId, b.exampleId);
      assertArrayEquals(a.queryIds, b.queryIds, "query ids of " + a.exampleId);
      assertArrayEquals(a.docIds, b.docIds, "document ids of " + a.exampleId);
      assertEquals(a.offset, b.offset);
      assertEquals(a.eventTime, b.eventTime);
    }
  }

  @Test
  void undecodableRecordsAndEmptyQueriesAreDeadLettered() throws Exception {
    RawRecord garbage = new RawRecord(Topics.TRAINING_EXAMPLES.name(), 0, 5, 0, "k".getBytes(), new byte[] {1, 2, 3});
    RawRecord emptyQuery = raw(example("e1", "  ", "doc", "some text", 1_000), 6);
    try (OneInputStreamOperatorTestHarness<RawRecord, FeaturizedExample> h = harness(new DecodeAndFeaturize(FEATURIZER, 1 << 20, 0, 0))) {
      h.open();
      h.processElement(new StreamRecord<>(garbage));
      h.processElement(new StreamRecord<>(emptyQuery));
      assertTrue(h.extractOutputValues().isEmpty());
      List<DeadLetter> dead = new ArrayList<>();
      h.getSideOutput(DecodeAndFeaturize.DEAD_LETTERS)
          .forEach(r -> dead.add(Topics.DEADLETTER_TRAINER.codec().decode(r.getValue().value)));
      assertEquals(List.of(5L, 6L), dead.stream().map(d -> d.getSource().getOffset()).toList());
      assertTrue(dead.get(1).getReason().toString().contains("empty query"), dead.get(1).getReason().toString());
    }
  }

  @Test
  void skipAboveDocumentsAreFeaturizedTopmostFirstUpToTheLimit() throws Exception {
    TrainingExample example = TrainingExample.newBuilder(
        example("e1", "json parser", "libjson", "a json parser library", 1_000)).setSkipAbove(List.of(shown("jq", "command line json processor", 1), shown("gone", "", 2),
        shown("libjson", "the positive again", 3), shown("yajl", "yet another json library", 4),
        shown("rapidjson", "fast json parser", 5), shown("simdjson", "parsing gigabytes of json", 6))).build();
    List<FeaturizedExample> three = run(new DecodeAndFeaturize(FEATURIZER, 0, 0, 3), List.of(raw(example, 9)));
    FeaturizedExample out = three.get(0);
    assertEquals(DocKeys.of("libjson"), out.docKey);
    // "gone" has no text (the join did not know it) and "libjson" is the positive: both are passed over
    assertArrayEquals(new long[] {DocKeys.of("jq"), DocKeys.of("yajl"), DocKeys.of("rapidjson")}, out.skipAboveKeys);
    assertArrayEquals(FEATURIZER.document("jq", "command line json processor"), out.skipAboveIds[0]);
    assertArrayEquals(FEATURIZER.document("yajl", "yet another json library"), out.skipAboveIds[1]);
    assertArrayEquals(FEATURIZER.document("rapidjson", "fast json parser"), out.skipAboveIds[2]);
    TrainingPair pair = out.toPair();
    assertEquals(3, pair.skipAboveIds().size());
    assertEquals(DocKeys.of("libjson"), pair.docKey());

    FeaturizedExample none = run(new DecodeAndFeaturize(FEATURIZER, 0, 0, 0), List.of(raw(example, 9))).get(0);
    assertEquals(0, none.skipAboveKeys.length, "a model without skip-above negatives featurizes none");
    assertEquals(0, none.skipAboveIds.length);
  }

  @Test
  void theClicksExposureIsItsPropensityTimesItsShownProbability() throws Exception {
    TrainingExample plain = example("e1", "json parser", "libjson", "a json parser library", 1_000);
    TrainingExample explored = TrainingExample.newBuilder(plain).setPositive(ExampleDoc.newBuilder(plain.getPositive())
        .setPosition(4).setPropensity(0.25).setShownProbability(0.2).build()).build();
    TrainingExample unrecorded = TrainingExample.newBuilder(plain).setExampleId("e2").setPositive(
        ExampleDoc.newBuilder(plain.getPositive()).setPosition(2).setPropensity(0.5).build()).build();

    List<FeaturizedExample> out = run(new DecodeAndFeaturize(FEATURIZER, 0, 0, 0),
        List.of(raw(explored, 1), raw(unrecorded, 2)));

    assertEquals(0.05, out.get(0).exposure, 1e-12);
    assertEquals(0.05, out.get(0).toPair().exposure(), 1e-12);
    assertEquals(0.5, out.get(1).exposure, 1e-12, "a result without a shown probability was shown for sure");
  }

  @Test
  void theFeaturizedExampleIsAPojoWithPrimitiveArrays() {
    TypeInformation<FeaturizedExample> type = TypeInformation.of(FeaturizedExample.class);
    PojoTypeInfo<FeaturizedExample> pojo = assertInstanceOf(PojoTypeInfo.class, type);
    assertInstanceOf(PojoSerializer.class, pojo.createSerializer(new SerializerConfigImpl()));
    assertFalse(pojo.toString().contains("GenericType"), pojo.toString());
  }

  private static List<FeaturizedExample> run(DecodeAndFeaturize function, List<RawRecord> input) throws Exception {
    try (OneInputStreamOperatorTestHarness<RawRecord, FeaturizedExample> h = harness(function)) {
      h.open();
      for (RawRecord r : input) {
        h.processElement(new StreamRecord<>(r));
      }
      return new ArrayList<>(h.extractOutputValues());
    }
  }

  private static OneInputStreamOperatorTestHarness<RawRecord, FeaturizedExample> harness(DecodeAndFeaturize function)
      throws Exception {
    return new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(function));
  }

  /** Clicks on 100 documents from 50 queries, popular ones far more often, seeded. */
  private static List<RawRecord> repeatedExamples(int n, long seed) {
    Random random = new Random(seed);
    String[] words = {"perl", "json", "parser", "library", "python", "gtk", "daemon", "x11", "fonts", "kernel",
        "module", "haskell", "ruby", "tools", "data", "Ünicode", "utility", "audio", "video", "network"};
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int doc = (int) (Math.pow(random.nextDouble(), 3) * 100);
      int query = (int) (Math.pow(random.nextDouble(), 3) * 50);
      Random docText = new Random(1000 + doc);
      Random queryText = new Random(2000 + query);
      out.add(raw(example("e" + i, text(queryText, words, 3), "doc" + doc + " " + text(docText, words, 2),
          text(docText, words, 40), 1_700_000_000_000L + i), i));
    }
    return out;
  }

  private static String text(Random random, String[] words, int n) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < n; i++) {
      text.append(i == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
    }
    return text.toString();
  }

  private static TrainingExample example(String id, String query, String title, String text, long eventTime) {
    ExampleDoc positive = ExampleDoc.newBuilder().setDocId(title).setTitle(title).setText(text).setVersion(1L)
        .setPosition(1).setLoggingScore(1.0).setPropensity(1.0).build();
    SourceOffset origin = SourceOffset.newBuilder().setTopic("test").setPartition(0).setOffset(0).build();
    return TrainingExample.newBuilder().setExampleId(id).setQuery(query).setQueryId("q").setUserId("u")
        .setPositive(positive).setSkipAbove(List.of()).setEventTime(Instant.ofEpochMilli(eventTime))
        .setImpression(origin).setClick(origin).build();
  }

  private static ExampleDoc shown(String id, String text, int position) {
    // A document the join did not know carries no title either.
    return ExampleDoc.newBuilder().setDocId(id).setTitle(text.isEmpty() ? "" : id).setText(text)
        .setVersion(text.isEmpty() ? -1L : 1L).setPosition(position).setLoggingScore(1.0).setPropensity(1.0 / position)
        .build();
  }

  private static RawRecord raw(TrainingExample example, long offset) {
    return new RawRecord(Topics.TRAINING_EXAMPLES.name(), 0, offset, 0, example.getExampleId().getBytes(),
        Topics.TRAINING_EXAMPLES.codec().encode(example));
  }
}
