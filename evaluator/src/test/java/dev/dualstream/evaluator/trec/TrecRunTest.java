package dev.dualstream.evaluator.trec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.DatasetException;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.metrics.MetricAccumulator;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.evaluator.testing.HashedBagOfWordsModel;
import dev.dualstream.evaluator.testing.TinyDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrecRunTest {
  @TempDir Path dir;

  /**
   * As trec_eval reads a run: the rank column is ignored, scores decide, ties go to the larger document id; the
   * mean is over the queries both the run and the qrels have (q2, judged but not ranked, and q9, ranked but not
   * judged, are left out).
   */
  @Test
  void readsARunAsTrecEvalRanksIt() throws Exception {
    Path file = dir.resolve("hand.run");
    Files.writeString(file, String.join("\n",
        "q1 Q0 d1 1 1.0 hand",
        "q1 Q0 d2 2 2.0 hand",
        "q1 Q0 d3 3 1.0 hand",
        "",
        "q9 Q0 d4 1 0.5 hand"));
    Map<String, List<String>> run = TrecRun.read(file);
    assertEquals(List.of("d2", "d3", "d1"), run.get("q1"));
    assertEquals(List.of("d4"), run.get("q9"));
    Qrels qrels = Qrels.of(Map.of("q1", Map.of("d1", 1, "d3", 2), "q2", Map.of("d7", 1)));
    MetricSummary scored = TrecRun.score(run, qrels);
    MetricAccumulator expected = new MetricAccumulator();
    expected.add(List.of("d2", "d3", "d1"), qrels.judgments("q1"));
    assertEquals(expected.summary(), scored);
    assertEquals(1, scored.queries());
    assertEquals(0.5, scored.mrrAt10(), 1e-12, "d3, relevant, ranked second");
  }

  /** Written ties are stepped apart so that a reader, ordering ties by descending id, keeps our order. */
  @Test
  void aWrittenRankingReadsBackInItsOwnOrderWhateverItsTies() {
    Map<String, List<ScoredDocument>> rankings = new LinkedHashMap<>();
    rankings.put("q1", List.of(new ScoredDocument("a", 1f), new ScoredDocument("b", 1f), new ScoredDocument("c", 1f),
        new ScoredDocument("z", 0.5f), new ScoredDocument("y", 0.5f)));
    rankings.put("q2", List.of(new ScoredDocument("m", 3f)));
    Path file = dir.resolve("ties.run");
    TrecRun.write(file, "mine", rankings);
    Map<String, List<String>> back = TrecRun.read(file);
    assertEquals(List.of("a", "b", "c", "z", "y"), back.get("q1"));
    assertEquals(List.of("m"), back.get("q2"));
  }

  @Test
  void aMalformedRunIsRefusedWithItsLine() throws Exception {
    Path file = dir.resolve("bad.run");
    Files.writeString(file, "q1 Q0 d1 1 1.0 r\nq1 Q0 d2 2 high r\n");
    DatasetException e = assertThrows(DatasetException.class, () -> TrecRun.read(file));
    assertTrue(e.getMessage().contains("bad.run:2: score \"high\" is not a number"), e.getMessage());
    Files.writeString(file, "q1 Q0 d1 1 1.0\n");
    e = assertThrows(DatasetException.class, () -> TrecRun.read(file));
    assertTrue(e.getMessage().contains("bad.run:1: expected 6 fields"), e.getMessage());
    Files.writeString(file, "q1 Q0 d1 1 1.0 r\nq1 Q0 d1 2 0.5 r\n");
    e = assertThrows(DatasetException.class, () -> TrecRun.read(file));
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> TrecRun.write(dir.resolve("x.run"), "my run", Map.of("q", List.of())));
  }

  /** Every system's run file, scored on its own, gives the metrics the evaluation reported. */
  @Test
  void anEvaluationsRunFilesReproduceItsMetrics() {
    BeirDataset dataset = TinyDatasets.packages();
    Path runs = dir.resolve("runs");
    Report report = OfflineEvaluation.on(dataset).bm25().model("untrained", new HashedBagOfWordsModel(8))
        .runFiles(runs).run();
    for (SystemResult result : report.results()) {
      Map<String, List<String>> run = TrecRun.read(runs.resolve(result.system() + ".run"));
      assertEquals(result.metrics(), TrecRun.score(run, dataset.qrels("test")), result.system());
    }
  }
}
