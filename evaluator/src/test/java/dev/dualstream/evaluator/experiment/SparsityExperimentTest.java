package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.beir.BeirDataset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sparsity experiment end to end on a dozen packages, and its pieces. */
class SparsityExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aTinyRunMeasuresEveryLayerOfEveryRunAndComparesTopK() throws Exception {
    Path data = DistillExperimentTest.writeBeir(dir.resolve("tiny"));
    SparsityExperimentOptions options = new SparsityExperimentOptions(data, 256, 42, 32, 0, 2, List.of(8, 16, 32),
        List.of(1, 2), List.of(4), 2, 0.3, 0.25, 4096, 64);
    SparsityReport report = SparsityExperiment.run(options, line -> { });

    assertEquals(8, report.runs().size());
    List<String> shapes = report.runs().stream().map(r -> r.variant() + " " + r.width() + "x" + r.depth()).toList();
    assertEquals(List.of("clicks 8x1", "clicks 16x1", "clicks 32x1", "clicks 8x2", "clicks 16x2", "clicks 32x2",
        "random-labels 16x1", "repeated 16x1"), shapes);
    for (SparsityReport.Run run : report.runs()) {
      assertEquals(List.of(0, 4, 8), run.points().stream().map(SparsityReport.Point::step).toList(), shapes.toString());
      for (SparsityReport.Point point : run.points()) {
        assertEquals(run.depth(), point.nonzeroFraction().size());
        point.nonzeroFraction().forEach(x -> assertTrue(x > 0 && x <= 1, "nonzero share " + x));
        assertTrue(point.recallAt10() >= 0 && point.recallAt10() <= 1);
      }
      assertTrue(run.examplesPerSecond() > 0);
    }
    // The plain model of the Top-k table is the click run of the same shape, not a second training.
    assertEquals(2, report.topk().size());
    assertEquals("none", report.topk().get(0).k());
    assertEquals(4, report.topk().get(1).k());
    SparsityReport.Run plain = report.runs().get(1);
    assertEquals(plain.points().get(2).recallAt10(), report.topk().get(0).recallAt10(), 0);
    for (SparsityReport.TopK row : report.topk()) {
      assertTrue(row.ece() >= 0 && row.ece() <= 1, "ECE " + row.ece());
      assertTrue(row.eceCorpus() >= 0 && row.eceCorpus() <= 1, "corpus ECE " + row.eceCorpus());
      assertTrue(row.recallTokenDropout() >= 0 && row.recallNoisyLabels() >= 0);
    }

    JsonNode json = JSON.readTree(report.toJson());
    JsonNode point = json.get("runs").get(3).get("points").get(1);
    assertEquals(4, point.get("step").asInt());
    assertEquals(2, point.get("nonzero_fraction").size());
    assertTrue(point.has("recall@10"));
    assertEquals("none", json.get("topk").get(0).get("k").asText());
    for (String key : List.of("recall@10", "ece", "ece_corpus", "recall@10_token_dropout", "recall@10_noisy_labels")) {
      assertTrue(json.get("topk").get(1).has(key), key);
    }
    assertTrue(String.join("\n", report.table()).contains("random-labels"));
  }

  @Test
  void droppedWordsAreTheSameForEveryModelAndLeaveAWord() {
    BeirDataset tiny = ClickLogExamplesTest.tiny();
    BeirDataset once = SparsityExperiment.withWordsDropped(tiny, 0.5, 7);
    BeirDataset twice = SparsityExperiment.withWordsDropped(tiny, 0.5, 7);
    assertEquals(once.queries(), twice.queries());
    assertEquals(tiny.queries().keySet(), once.queries().keySet());
    int before = 0;
    int after = 0;
    for (String id : tiny.queries().keySet()) {
      List<String> original = Arrays.asList(tiny.queries().get(id).trim().split("\\s+"));
      List<String> kept = Arrays.asList(once.queries().get(id).split(" "));
      assertTrue(!kept.isEmpty() && original.containsAll(kept), original + " -> " + kept);
      before += original.size();
      after += kept.size();
    }
    assertTrue(after < before, "nothing was dropped");
    assertEquals(tiny.queries(), SparsityExperiment.withWordsDropped(tiny, 0, 7).queries());
  }

  @Test
  void impossibleOptionsAreRefusedWithTheReason() {
    Path data = dir.resolve("any");
    IllegalArgumentException topK = assertThrows(IllegalArgumentException.class,
        () -> new SparsityExperimentOptions(data, 256, 42, 32, 0, 2, List.of(8, 16, 32), List.of(1), List.of(16), 2,
            0.3, 0.25, 4096, 64));
    assertTrue(topK.getMessage().contains("middle width 16"), topK.getMessage());
    IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class,
        () -> new SparsityExperimentOptions(data, 256, 42, 32, 0, 2, List.of(8), List.of(1), List.of(), 16, 0.3,
            0.25, 4096, 64));
    assertTrue(epochs.getMessage().contains("less than one batch"), epochs.getMessage());
  }
}
