package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.record.Recorder;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.schemas.Topics;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate --replay}: a recording of simulated traffic, replayed, joined and trained on with versions at
 * two refresh intervals, each version scored test-then-train on the examples after it and on the test split.
 */
class ReplayEvaluationIT {

  @Test
  @Timeout(600)
  void everyVersionIsScoredOnTheWindowAfterItAndOnTheTestSplit(@TempDir Path tmp) throws Exception {
    Path dataset = DatasetSlice.write(tmp.resolve("debian-slice"), 1_500, 200);
    Path recording = tmp.resolve("recording");
    SimulationResult simulated;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(tmp.resolve("kafka")).port(FreePorts.pair()).start()) {
      LocalTopics.create(broker.bootstrapServers(), LocalTopics.DEFAULT_STREAM_PARTITIONS);
      simulated = ClickSimulator.publish(BeirReader.read(dataset), broker.connection(),
          SimulationConfig.defaults(5, 4_000), p -> { });
      Recorder.open(recording, Recorder.Rotation.defaults()).run(broker.connection(),
          List.of(Topics.DOCUMENTS.name(), Topics.IMPRESSIONS.name(), Topics.CLICKS.name()), new Properties(), true,
          () -> false, p -> { });
    }
    ModelConfig model = ModelConfig.defaults().toBuilder().buckets(1 << 16).batchSize(64).build();
    List<String> progress = new ArrayList<>();
    List<ReplayEvaluation.Point> points = ReplayEvaluation.run(new ReplayEvaluation.Options(recording, dataset,
        tmp.resolve("work"), FreePorts.pair(), List.of(10, 30), 5000, 0, model, 7, tmp.resolve("runs")), line -> {
          progress.add(line);
          System.out.println(line);
        });

    List<ReplayEvaluation.Point> often = points.stream().filter(p -> p.versionEvery() == 10).toList();
    List<ReplayEvaluation.Point> rarely = points.stream().filter(p -> p.versionEvery() == 30).toList();
    assertTrue(often.size() > rarely.size() && !rarely.isEmpty(), "more versions at a shorter interval: "
        + often.size() + " vs " + rarely.size());
    for (List<ReplayEvaluation.Point> run : List.of(often, rarely)) {
      // Every N steps a version, and the last at the end of the input, with nothing after it to score.
      long start = rarely.get(0).examples();
      for (int i = 0; i < run.size() - 1; i++) {
        ReplayEvaluation.Point p = run.get(i);
        assertEquals(i + 1, p.version());
        assertEquals(p.versionEvery() * (i + 1), p.step(), "a version every N steps");
        assertEquals(List.of("dense", "hybrid", "bm25"), List.copyOf(p.test().keySet()));
        // The window: the examples this version would have served until the next, from the slowest run's first.
        long served = Math.max(0, run.get(i + 1).examples() - Math.max(start, p.examples()));
        assertEquals(served, p.windowExamples(), "window " + i);
        if (served == 0) {
          continue;
        }
        assertEquals(List.of("dense", "hybrid", "bm25"), List.copyOf(p.window().keySet()));
        for (MetricSummary m : p.window().values()) {
          assertTrue(m.queries() > 0 && m.recallAt10() >= 0 && m.recallAt10() <= 1, m.toString());
        }
      }
    }
    ReplayEvaluation.Point last = often.get(often.size() - 1);
    assertEquals(0, last.windowExamples(), "nothing follows the last version");
    // Deterministic runs: the version at step 30 of either run is the same model.
    ReplayEvaluation.Point a = often.get(2);
    ReplayEvaluation.Point b = rarely.get(0);
    assertEquals(30, a.step());
    assertEquals(a.step(), b.step());
    assertEquals(a.test(), b.test());
    assertEquals(often.stream().mapToInt(ReplayEvaluation.Point::windowExamples).sum(),
        rarely.stream().mapToInt(ReplayEvaluation.Point::windowExamples).sum(), "both runs scored on the same examples");
    // BM25 does not learn: over the same examples it scores the same whatever the refresh interval.
    MetricSummary bm25Often = ReplayEvaluation.prequential(often).get("bm25");
    MetricSummary bm25Rarely = ReplayEvaluation.prequential(rarely).get("bm25");
    assertEquals(bm25Often.recallAt10(), bm25Rarely.recallAt10(), 1e-9);
    assertEquals(bm25Often.mrrAt10(), bm25Rarely.mrrAt10(), 1e-9);
    assertTrue(progress.stream().anyMatch(l -> l.contains("evaluate: every 30 steps, prequential over")), "summary");
    assertTrue(simulated.clicks() > 0);
    // The report: the page, its summary and JSON, with the sweep's rows.
    Path report = tmp.resolve("report");
    ReplayReport.write(report, recording, 5000, points, ReplayReport.json(recording, 5000, points));
    String summary = java.nio.file.Files.readString(report.resolve("summary.md"));
    assertTrue(summary.contains("| 10 | 1229 |") || summary.matches("(?s).*\\| 10 \\| \\d+ \\|.*"), summary);
    assertTrue(java.nio.file.Files.readString(report.resolve("index.html")).contains("on the test split"));
    com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(report.resolve("report.json").toFile());
    assertEquals(points.size(), json.get("points").size());
    assertTrue(json.get("prequential").has("30"), json.toString());
    // The final version's rankings of the test split, one TREC run per system, reproduce its metrics.
    ReplayEvaluation.Point fin = often.get(often.size() - 1);
    for (String system : List.of("dense", "hybrid", "bm25")) {
      assertEquals(fin.test().get(system), dev.dualstream.evaluator.trec.TrecRun.score(
          dev.dualstream.evaluator.trec.TrecRun.read(tmp.resolve("runs").resolve(system + ".run")),
          BeirReader.read(dataset).qrels("test")), system);
    }
  }
}
