package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.record.RecordingFormat;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.Traffic;
import dev.dualstream.evaluator.simulate.UserInterests;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.federated.ServerOptimizer;
import dev.dualstream.trainer.model.DocumentText;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training examples read back from a recording, and a federated run on them. */
class RecordedClicksTest {
  @TempDir Path dir;

  /** A recorded Kafka record of a topic with a value, as the recorder writes it. */
  private static GenericRecord record(String topic, long offset, byte[] value) {
    GenericRecord r = new GenericData.Record(RecordingFormat.SCHEMA);
    r.put("topic", topic);
    r.put("partition", 0);
    r.put("offset", offset);
    r.put("timestamp", 1_000L + offset);
    r.put("timestamp_type", "CreateTime");
    r.put("key", null);
    r.put("value", ByteBuffer.wrap(value));
    r.put("headers", List.of());
    return r;
  }

  private static void write(Path recording, List<GenericRecord> records) throws Exception {
    Files.createDirectories(recording);
    try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<>(RecordingFormat.SCHEMA))) {
      writer.create(RecordingFormat.SCHEMA, recording.resolve(RecordingFormat.fileName(0)).toFile());
      for (GenericRecord r : records) {
        writer.append(r);
      }
    }
  }

  private static byte[] example(long n, String user, String query, String queryId, DocumentText doc) {
    ExampleDoc positive = ExampleDoc.newBuilder().setDocId(doc.id()).setTitle(doc.title()).setText(doc.text())
        .setVersion(1L).setPosition(1).setLoggingScore(1.0).setPropensity(1.0).build();
    SourceOffset origin = SourceOffset.newBuilder().setTopic("search.clicks").setPartition(0).setOffset(n).build();
    return Topics.TRAINING_EXAMPLES.codec().encode(TrainingExample.newBuilder().setExampleId("e" + n)
        .setQuery(query).setQueryId(queryId).setUserId(user).setPositive(positive).setSkipAbove(List.of())
        .setEventTime(Instant.ofEpochMilli(1_000 + n)).setImpression(origin).setClick(origin).build());
  }

  @Test
  void everyRecordIsAnExampleAnotherTopicsRecordOrCountedByWhyItWasLeftOut() throws Exception {
    DocumentText doc = new DocumentText("zlib", "zlib", "compression library");
    write(dir, List.of(
        record(Topics.TRAINING_EXAMPLES.name(), 0, example(0, "user-1", "zlib", "q1", doc)),
        record("search.clicks", 0, "a click".getBytes(StandardCharsets.UTF_8)),
        record(Topics.TRAINING_EXAMPLES.name(), 1, "not avro".getBytes(StandardCharsets.UTF_8)),
        record(Topics.TRAINING_EXAMPLES.name(), 2, example(2, "user-2", "gzip", null, doc)),
        record(Topics.TRAINING_EXAMPLES.name(), 3, example(3, "user-2", "compress", "q2", doc))));

    RecordedClicks read = RecordedClicks.read(dir);
    assertEquals(List.of("user-1/q1/zlib", "user-2/q2/compress"),
        read.examples().stream().map(e -> e.user() + "/" + e.queryId() + "/" + e.query()).toList());
    assertEquals(doc, read.examples().get(0).positive());
    assertEquals(1, read.otherTopics());
    assertEquals(1, read.withoutQueryId());
    assertEquals(1L, read.undecodable().values().stream().mapToLong(Long::longValue).sum(), read.undecodable()
        .toString());

    Path onlyClicks = dir.resolve("clicks-only");
    write(onlyClicks, List.of(record("search.clicks", 0, new byte[] {1})));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecordedClicks.read(onlyClicks));
    assertTrue(e.getMessage().contains("dualstream record --topics training.examples"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RecordedClicks.read(dir.resolve("absent")));
  }

  @Test
  void noClientTrainsOnAHeldOutUsersQueryAndSmallClientsAreDropped() {
    DocumentText doc = new DocumentText("zlib", "zlib", "compression library");
    String[][] log = {{"a", "q1"}, {"b", "q1"}, {"b", "q2"}, {"c", "q3"}, {"b", "q3"}, {"c", "q2"}, {"d", "q4"},
        {"c", "q1"}, {"a", "q5"}};
    List<ClickLogExamples.Example> clicks = new ArrayList<>();
    for (int i = 0; i < log.length; i++) {
      clicks.add(new ClickLogExamples.Example("query " + log[i][1], doc, List.of(), 1.0, i, log[i][0], log[i][1]));
    }
    FederatedExperiment.Selection s = FederatedExperiment.select(clicks, "a"::equals, 2);
    assertEquals(List.of(2, 3, 4, 5), s.training(), "b's and c's clicks on their own queries, in log order");
    assertEquals(Set.of("b", "c"), s.byClient().keySet(), "d has one click, fewer than a batch");
    assertEquals(Set.of("q1", "q5"), s.heldOutQueries());
    assertEquals(Set.of("a"), s.heldOutUsers());
    assertEquals(2, s.leftOut(), "b's and c's clicks on q1");
  }

  @Test
  void theHashHoldsOutItsShareOfUsersAndAnotherSeedOthers() {
    int held = 0;
    int both = 0;
    for (int i = 0; i < 20_000; i++) {
      boolean a = FederatedExperiment.heldOutByHash("user-" + i, 42, 0.25);
      held += a ? 1 : 0;
      both += a && FederatedExperiment.heldOutByHash("user-" + i, 43, 0.25) ? 1 : 0;
    }
    // Binomial(20000, 0.25) has a standard deviation of 61: 5,000 +- 400 is over six of them.
    assertTrue(Math.abs(held - 5_000) < 400, held + " of 20000 held out");
    assertTrue(Math.abs(both - 1_250) < 250, both + " held out by both seeds, as if independent");
  }

  @Test
  void aFederatedRunTrainsOnTheRecordedUsersAndHoldsSomeOut() throws Exception {
    Path data = DistillExperimentTest.writeBeir(dir.resolve("tiny"));
    BeirDataset dataset = BeirReader.read(data);
    UserInterests interests = new UserInterests(2, 0.1, 0.25);
    SimulationConfig simulation = SimulationConfig.defaults(42, 0).withUsers(12)
        .withTraffic(Traffic.UNIFORM.withInterests(interests));
    List<ClickLogExamples.Example> clicks = ClickLogExamples.simulate(dataset, simulation, 800,
        NegativesExperimentOptions.DEFAULT_NOISE_CLICKS, soFar -> { });
    List<GenericRecord> records = new ArrayList<>();
    for (int i = 0; i < clicks.size(); i++) {
      ClickLogExamples.Example c = clicks.get(i);
      records.add(record(Topics.TRAINING_EXAMPLES.name(), i, example(i, c.user(), c.query(), c.queryId(),
          c.positive())));
    }
    Path recording = dir.resolve("recording");
    write(recording, records);

    FederatedExperimentOptions options = new FederatedExperimentOptions(data, 800, 42, List.of(1L), 12, interests, 2,
        3, 2, 4, 1.0, List.of(ServerOptimizer.Kind.FEDAVG, ServerOptimizer.Kind.FEDADAM), List.of(0.03),
        List.of(1.0), List.of(1e-3), 0, 1, 4096, recording);
    FederatedReport report = FederatedExperiment.run(options, line -> { });

    Set<String> heldOutUsers = new TreeSet<>();
    Set<String> heldOutQueries = new TreeSet<>();
    clicks.stream().filter(c -> FederatedExperiment.heldOutByHash(c.user(), 42, 0.25)).forEach(c -> {
      heldOutUsers.add(c.user());
      heldOutQueries.add(c.queryId());
    });
    Map<String, Integer> perUser = new TreeMap<>();
    clicks.stream().filter(c -> !heldOutUsers.contains(c.user()) && !heldOutQueries.contains(c.queryId()))
        .forEach(c -> perUser.merge(c.user(), 1, Integer::sum));
    long training = perUser.values().stream().filter(n -> n >= 4).count();
    long heldOut = heldOutUsers.size();
    assertTrue(heldOut > 0 && training >= 3, heldOut + " held out, " + training + " training");
    assertEquals(training, report.clients());
    assertEquals(heldOut, report.heldOutClients());
    assertEquals(List.of("fedavg", "fedadam"), report.runs().stream().map(FederatedReport.Run::optimizer).toList());
    report.runs().forEach(r -> assertEquals(2, r.points().get(r.points().size() - 1).round()));
  }
}
