package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.trec.TrecRun;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ReplaySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The negatives experiment end to end on a dozen packages, with a report. */
class NegativesExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aReportScoresEverySettingAlongItsTrainingWithoutChangingWhatItLearns() throws Exception {
    Path data = DistillExperimentTest.writeBeir(dir.resolve("tiny"));
    ModelConfig small = ModelConfig.defaults().toBuilder().buckets(4096).dims(8, 16, 8).maxIds(16, 32)
        .learningRate(0.01).threads(1).build();
    NegativesExperimentOptions options = new NegativesExperimentOptions(data, 320, 0, 42, 16,
        List.of("in-batch", "cache-256"), 256, 500, small, 0.02, 0, 0, ReplaySettings.OFF, true);
    ExperimentReport plain = NegativesExperiment.run(options, line -> { });
    LearningCurves curves = LearningCurves.of(3, dir.resolve("report/runs"));
    ExperimentReport recorded = NegativesExperiment.run(options, line -> { }, curves);

    for (int i = 0; i < plain.settings().size(); i++) {
      SettingResult a = plain.settings().get(i);
      SettingResult b = recorded.settings().get(i);
      assertEquals(a.mrrAt10(), b.mrrAt10(), 0, a.name() + ": scoring along training changed the model");
      assertEquals(a.hybridRecallAt10(), b.hybridRecallAt10(), 0, a.name());
      assertEquals(a.meanLoss(), b.meanLoss(), 0, a.name());
    }
    BeirDataset dataset = BeirReader.read(data);
    for (String name : List.of("in-batch", "cache-256")) {
      List<CurvePoint> dense = curves.points().stream().filter(p -> p.system().equals(name)).toList();
      assertEquals(List.of(80L, 160L, 240L, 320L), dense.stream().map(CurvePoint::examples).toList(), name);
      assertFalse(dense.get(3).eventTime().isBefore(dense.get(0).eventTime()));
      SettingResult result = recorded.settings().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
      assertEquals(result.mrrAt10(), dense.get(3).metrics().mrrAt10(), 0, "the last point is the final evaluation");
      List<CurvePoint> hybrid = curves.points().stream().filter(p -> p.system().equals(name + "-hybrid")).toList();
      assertEquals(1, hybrid.size(), "the hybrid is scored at the end");
      assertEquals(result.hybridMrrAt10(), hybrid.get(0).metrics().mrrAt10(), 0);
      for (CurvePoint last : List.of(dense.get(3), hybrid.get(0))) {
        MetricSummary fromRun = TrecRun.score(TrecRun.read(dir.resolve("report/runs/" + last.system() + ".run")),
            dataset.qrels("test"));
        assertEquals(last.metrics().recallAt10(), fromRun.recallAt10(), 1e-12, last.system());
        assertEquals(last.metrics().mrrAt10(), fromRun.mrrAt10(), 1e-12, last.system());
      }
    }

    recorded.page(curves.points()).write(dir.resolve("report"));
    JsonNode page = JSON.readTree(dir.resolve("report/report.json").toFile());
    List<String> systems = new ArrayList<>();
    page.get("results").forEach(r -> systems.add(r.get("system").asText()));
    assertEquals(List.of("in-batch", "in-batch-hybrid", "bm25", "cache-256", "cache-256-hybrid"), systems);
    assertEquals(2, page.get("details").get("settings").size());
    String html = Files.readString(dir.resolve("report/index.html"));
    assertTrue(html.contains("Every setting") && html.contains("over event time"), "tables and charts");
  }
}
