package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.trec.TrecRun;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distillation experiment end to end on a dozen packages, with small models. */
class DistillExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelConfig SMALL = ModelConfig.defaults().toBuilder().buckets(4096).dims(8, 16, 8)
      .maxIds(16, 32).learningRate(0.01).threads(1).build();

  @TempDir Path dir;

  private DistillExperimentOptions options(Path data) {
    ModelConfig teacher = DistillExperimentOptions.defaultTeacher().toBuilder().buckets(4096).dims(16, 16, 8)
        .maxIds(16, 32).learningRate(0.01).threads(1)
        .negatives(DistillExperimentOptions.defaultTeacher().negatives().withCache(256, 64).withCacheRefresh(true, 16).withClickedMemory(64))
        .build();
    ModelConfig student = SMALL.toBuilder().buckets(1024).dims(4, 8, 8).build();
    return new DistillExperimentOptions(data, 320, 0, 42, List.of(1L, 2L), 16, 0.5, SMALL, teacher, student,
        List.of(1.0, 4.0), List.of(0.5), 3, 2);
  }

  /** The default run holds twenty models of up to 134M parameters at once: too many for a small heap, said up front. */
  @Test
  void aRunThatCannotFitTheHeapIsRefusedBeforeItTrains() {
    DistillExperimentOptions full = DistillExperimentOptions.defaults(dir);
    List<DistillExperiment.Setting> settings = DistillExperiment.settings(full);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistillExperiment.checkHeap(full, settings, 6L << 30));
    assertTrue(e.getMessage().contains("DUALSTREAM_JAVA_OPTS=-Xmx"), e.getMessage());
    DistillExperiment.checkHeap(full, settings, 64L << 30);
  }

  @Test
  void everySettingIsScoredChosenOnDevAndTheSameSeedsGiveTheSameScores() throws IOException {
    Path data = writeBeir(dir.resolve("tiny"));
    DistillReport first = DistillExperiment.run(options(data), line -> { });
    JsonNode json = JSON.readTree(first.toJson());
    assertEquals("tiny", json.get("dataset").asText());
    assertEquals(320, json.get("examples").asInt());
    Map<String, Integer> chosenPerFamily = new HashMap<>();
    long teacherParameters = 0;
    List<String> names = new ArrayList<>();
    for (JsonNode s : json.get("settings")) {
      names.add(s.get("name").asText());
      for (String metric : List.of("recall@10", "mrr@10", "ndcg@10", "dev_mrr@10")) {
        double v = s.get(metric).asDouble();
        assertTrue(v >= 0 && v <= 1, s.get("name") + " " + metric + " " + v);
      }
      assertTrue(s.get("mrr@10_se").isNumber(), "two seeds give a standard error");
      assertTrue(s.get("ms_per_example").asDouble() > 0);
      if (s.get("role").asText().equals("teacher")) {
        teacherParameters = s.get("parameters").asLong();
      }
    }
    for (DistillReport.Row row : first.settings()) {
      if (row.chosen()) {
        chosenPerFamily.merge(row.family(), 1, Integer::sum);
      }
      if (row.role().equals("student")) {
        assertTrue(row.parameters() * 4 <= teacherParameters, row.name() + " is more than a quarter of the teacher");
      }
    }
    assertEquals(List.of("default", "teacher", "joint-teacher", "student-clicks", "student-kl-t1", "student-kl-t4",
        "student-margin-mse", "student-multi-margin-sum", "student-multi-margin-lse", "student-rankdistil-t1",
        "student-rankdistil-t4", "student-kl-t1-clicks0.5", "student-kl-t4-clicks0.5", "student-joint-margin-mse",
        "student-joint-kl-t1-clicks0.5", "student-joint-kl-t4-clicks0.5"), names);
    assertTrue(chosenPerFamily.values().stream().allMatch(n -> n == 1), chosenPerFamily.toString());
    assertEquals(12, chosenPerFamily.size(), chosenPerFamily.toString());
    assertTrue(row(first, "joint-teacher").parameters() > teacherParameters, "the joint teacher adds its head");
    assertTrue(first.table().contains("joint teacher re-ranking the teacher's top 100"), first.table());
    assertTrue(first.table().contains("best student of each teacher, against the teacher it learned from"),
        first.table());
    double klT1 = row(first, "student-kl-t1").devMrrAt10();
    double klT4 = row(first, "student-kl-t4").devMrrAt10();
    assertEquals(klT1 >= klT4, row(first, "student-kl-t1").chosen(), "the dev split chooses KL's temperature");
    JsonNode calibration = json.get("teacher_calibration");
    assertTrue(calibration.get("log_loss").asDouble() > 0 && calibration.get("ece").asDouble() >= 0);

    // Scoring along training for a report leaves the training as it was.
    LearningCurves curves = LearningCurves.of(3, dir.resolve("report/runs"));
    DistillReport again = DistillExperiment.run(options(data), line -> { }, curves);
    assertEquals(withoutTimes(first), withoutTimes(again), "the same seeds and stream give the same scores");
    assertCurvesAndRunsOfTheFirstSeed(again, curves, BeirReader.read(data), names);
  }

  /**
   * Every setting has a point after each quarter of the 20 steps (80, 160, 240 examples) and a final one at 320,
   * their event times never going back; the run files score to the final points; the page holds them all.
   */
  private void assertCurvesAndRunsOfTheFirstSeed(DistillReport report, LearningCurves curves, BeirDataset dataset,
      List<String> names) throws IOException {
    for (String name : names) {
      List<CurvePoint> points = curves.points().stream().filter(p -> p.system().equals(name)).toList();
      assertEquals(List.of(80L, 160L, 240L, 320L), points.stream().map(CurvePoint::examples).toList(), name);
      for (int i = 1; i < points.size(); i++) {
        assertFalse(points.get(i).eventTime().isBefore(points.get(i - 1).eventTime()), name + " goes back in time");
      }
      MetricSummary last = points.get(points.size() - 1).metrics();
      MetricSummary fromRun = TrecRun.score(TrecRun.read(dir.resolve("report/runs/" + name + ".run")),
          dataset.qrels("test"));
      assertEquals(last.mrrAt10(), fromRun.mrrAt10(), 1e-12, name);
      assertEquals(last.recallAt10(), fromRun.recallAt10(), 1e-12, name);
    }
    report.page(curves.points()).write(dir.resolve("report"));
    JsonNode page = JSON.readTree(dir.resolve("report/report.json").toFile());
    List<String> systems = new ArrayList<>();
    page.get("results").forEach(r -> systems.add(r.get("system").asText()));
    assertEquals(names, systems);
    assertEquals(4 * names.size(), page.get("curves").size());
    assertEquals("tiny", page.get("details").get("dataset").asText());
    assertTrue(Files.readString(dir.resolve("report/index.html")).contains("over event time"));
  }

  @Test
  void theDefaultStudentsAreAtMostAQuarterOfTheDefaultTeacherWhichOutgrowsTheDefaultModel() {
    ModelConfig teacher = DistillExperimentOptions.defaultTeacher();
    ModelConfig student = DistillExperimentOptions.defaultStudent();
    assertTrue(4 * student.parameters() <= teacher.parameters(), student.parameters() + " of " + teacher.parameters());
    assertTrue(5 * student.parameters() > teacher.parameters(), "no smaller than it need be");
    assertTrue(teacher.parameters() > ModelConfig.defaults().parameters());
    assertEquals(0, teacher.buckets() % student.buckets());
  }

  @Test
  void aDatasetWithoutADevSplitIsRefused() throws IOException {
    Path data = writeBeir(dir.resolve("nodev"));
    Files.delete(data.resolve("qrels/dev.tsv"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistillExperiment.run(options(data), line -> { }));
    assertTrue(e.getMessage().contains("has no dev split"), e.getMessage());
  }

  private static DistillReport.Row row(DistillReport report, String name) {
    return report.settings().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private static String withoutTimes(DistillReport report) throws IOException {
    JsonNode json = JSON.readTree(report.toJson());
    json.get("settings").forEach(s -> ((ObjectNode) s).remove("ms_per_example"));
    return json.toString();
  }

  /** The tiny dataset of {@link ClickLogExamplesTest} as a BEIR directory, its train judgments also dev and test. */
  static Path writeBeir(Path out) throws IOException {
    BeirDataset tiny = ClickLogExamplesTest.tiny();
    Files.createDirectories(out.resolve("qrels"));
    StringBuilder corpus = new StringBuilder();
    for (DocumentText d : tiny.corpus()) {
      corpus.append(JSON.writeValueAsString(Map.of("_id", d.id(), "title", d.title(), "text", d.text()))).append('\n');
    }
    Files.writeString(out.resolve("corpus.jsonl"), corpus);
    StringBuilder queries = new StringBuilder();
    tiny.queries().forEach((id, text) -> {
      try {
        queries.append(JSON.writeValueAsString(Map.of("_id", id, "text", text))).append('\n');
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    Files.writeString(out.resolve("queries.jsonl"), queries);
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (String q : tiny.qrels("train").queryIds()) {
      tiny.qrels("train").judgments(q).forEach((doc, score) -> qrels.append(q).append('\t').append(doc).append('\t')
          .append(score).append('\n'));
    }
    for (String split : List.of("train", "dev", "test")) {
      Files.writeString(out.resolve("qrels/" + split + ".tsv"), qrels);
    }
    assertFalse(tiny.corpus().isEmpty());
    return out;
  }
}
