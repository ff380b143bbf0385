package dev.dualstream.evaluator.bm25;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.offline.OfflineEvaluation;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.ReportTable;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.testing.RealDatasets;
import org.junit.jupiter.api.Test;

/** BM25 on the real debian-pkgdesc test split reproduces the dataset's reference baseline. */
class Bm25DebianPkgdescTest {

  @Test
  void matchesTheReferenceBaselineOnTheTestSplit() {
    BeirDataset dataset = BeirReader.read(RealDatasets.debianPkgdescOrSkip());
    Report report = OfflineEvaluation.on(dataset).split("test").bm25().run();
    System.out.print(ReportTable.format(report));

    MetricSummary bm25 = report.result("bm25").orElseThrow().metrics();
    assertEquals(3352, report.queries());
    assertEquals(0.872, bm25.recallAt10(), 0.02, "Recall@10");
    assertEquals(0.734, bm25.mrrAt10(), 0.02, "MRR@10");
    assertEquals(0.658, bm25.recallAt1(), 0.02, "Recall@1");
    assertEquals(0.949, bm25.recallAt100(), 0.02, "Recall@100");
  }
}
