package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stacking experiment end to end on a dozen packages, and how it counts steps to the target. */
class StackingExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void grownRunsStartWhereTheSmallModelStoodAndCountItsTraining() throws Exception {
    Path data = DistillExperimentTest.writeBeir(dir.resolve("tiny"));
    StackingExperimentOptions options = new StackingExperimentOptions(data, 512, 42, 32, 0, 4, 1, 16, 0.5, 4096, 64);
    StackingReport report = StackingExperiment.run(options, line -> { });

    assertEquals(8, report.growAt());
    assertEquals(List.of("small-1", "stack-all-2", "stack-top-2", "random-2", "scratch-2"),
        report.runs().stream().map(StackingReport.Run::name).toList());
    StackingReport.Run small = report.runs().get(0);
    assertEquals(List.of(4, 8, 12, 16), steps(small));
    double smallSecondsAtGrowth = small.points().get(1).seconds();
    for (StackingReport.Run grown : report.runs().subList(1, 4)) {
      assertEquals(2, grown.layers());
      assertEquals(List.of(8, 12, 16), steps(grown), grown.name() + ": measured where it starts, then as the others");
      assertEquals(smallSecondsAtGrowth, grown.points().get(0).seconds(), 0, "the small model's seconds count");
      assertNull(grown.points().get(0).trainLoss(), "no step yet");
      assertTrue(grown.points().get(1).seconds() > smallSecondsAtGrowth);
    }
    StackingReport.Run scratch = report.runs().get(4);
    assertEquals(List.of(4, 8, 12, 16), steps(scratch));
    assertEquals(scratch.points().get(3).loss(), report.stepsToTarget().targetLoss(), 0);
    StackingReport.Reached byScratch = report.stepsToTarget().runs().get(4);
    assertTrue(byScratch.steps() != null && byScratch.steps() <= 16, "the scratch run reaches its own final loss");
    assertNull(byScratch.stepsWithoutSmall());

    JsonNode json = JSON.readTree(report.toJson());
    assertTrue(json.get("runs").get(1).get("points").get(0).has("recall@10"));
    assertTrue(json.get("steps_to_target").has("target_loss"));
    assertEquals(5, json.get("steps_to_target").get("runs").size());
  }

  @Test
  void stepsToTheTargetCountFromTheStartAndFromTheGrowth() {
    StackingExperiment.Curve grown = new StackingExperiment.Curve("stack-all-4", 4, "stack-all", 30);
    grown.points.add(new StackingReport.Point(100, 30, 2.0, null, 0.1));
    grown.points.add(new StackingReport.Point(150, 40, 1.5, 1.4, 0.2));
    grown.points.add(new StackingReport.Point(200, 50, 1.2, 1.1, 0.3));
    StackingReport.Reached reached = StackingExperiment.reached(grown, 1.5, 100, 30);
    assertEquals(150, reached.steps());
    assertEquals(40, reached.seconds(), 0);
    assertEquals(50, reached.stepsWithoutSmall());
    assertEquals(10, reached.secondsWithoutSmall(), 0);
    StackingReport.Reached never = StackingExperiment.reached(grown, 1.0, 100, 30);
    assertNull(never.steps());
    assertNull(never.secondsWithoutSmall());
  }

  @Test
  void theInBatchLossIsTheCrossEntropyOfEachQuerysOwnDocument() {
    // queries (1, 0) and (0, 1), documents (1, 0) and (0.6, 0.8), scale 2:
    // query 0: logits 2, 1.2 -> -log(e^2 / (e^2 + e^1.2)); query 1: logits 0, 1.6 -> -log(e^1.6 / (1 + e^1.6))
    double[][] logits = {{2, 1.2}, {0, 1.6}};
    double expected = (Math.log(1 + Math.exp(-0.8)) + Math.log(1 + Math.exp(-1.6))) / 2;
    assertEquals(expected, HeldOutClicks.inBatchLoss(logits), 1e-12);
  }

  private static List<Integer> steps(StackingReport.Run run) {
    return run.points().stream().map(StackingReport.Point::step).toList();
  }
}
