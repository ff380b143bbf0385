package dev.dualstream.evaluator.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.search.Retriever;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.evaluator.testing.HashedBagOfWordsModel;
import dev.dualstream.evaluator.testing.TinyDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineEvaluationTest {
  private final BeirDataset dataset = TinyDatasets.packages();

  @Test
  void scoresEverySystemOnTheSplit() throws Exception {
    HashedBagOfWordsModel model = new HashedBagOfWordsModel(64);
    List<String> log = new ArrayList<>();
    Report report = OfflineEvaluation.on(dataset).bm25().model("untrained", model).log(log::add).run();

    assertEquals("tiny-packages", report.dataset());
    assertEquals("test", report.split());
    assertEquals(6, report.queries());
    assertEquals(20, report.corpusSize());
    assertEquals(List.of("bm25", "untrained"), report.results().stream().map(SystemResult::system).toList());
    for (SystemResult result : report.results()) {
      MetricSummary m = result.metrics();
      assertEquals(6, m.queries());
      assertTrue(m.recallAt1() <= m.recallAt10() && m.recallAt10() <= m.recallAt100());
      assertTrue(m.mrrAt10() >= m.recallAt1() && m.mrrAt10() <= m.recallAt10());
    }
    assertEquals(1.0, report.result("bm25").orElseThrow().metrics().recallAt10());
    assertFalse(model.closed(), "the caller owns the model");
    assertEquals(4, log.size());
  }

  @Test
  void oracleScoresOneAndEmptyRetrieverZero() {
    Map<String, String> relevantByText = new HashMap<>();
    dataset.qrels("test").queryIds().forEach(
        q -> relevantByText.put(dataset.queries().get(q), dataset.qrels("test").relevant(q).get(0)));
    AtomicInteger closed = new AtomicInteger();
    Retriever oracle = new Retriever() {
      @Override
      public List<List<ScoredDocument>> search(List<String> queries, int k) {
        assertEquals(MetricSummary.DEPTH, k);
        return queries.stream().map(q -> List.of(new ScoredDocument(relevantByText.get(q), 1f))).toList();
      }

      @Override
      public void close() {
        closed.incrementAndGet();
      }
    };
    Retriever empty = (queries, k) -> queries.stream().map(q -> List.<ScoredDocument>of()).toList();

    Report report = OfflineEvaluation.on(dataset).system("oracle", corpus -> oracle)
        .system("empty", corpus -> empty).run();

    MetricSummary best = report.result("oracle").orElseThrow().metrics();
    assertEquals(new MetricSummary(6, 1, 1, 1, 1, 1), best);
    assertEquals(new MetricSummary(6, 0, 0, 0, 0, 0), report.result("empty").orElseThrow().metrics());
    assertEquals(1, closed.get());
  }

  @Test
  void aPrebuiltSystemIsScoredButNeitherIndexedNorClosedHere() {
    AtomicInteger closed = new AtomicInteger();
    Retriever built = new Retriever() {
      @Override
      public List<List<ScoredDocument>> search(List<String> queries, int k) {
        return queries.stream().map(q -> List.of(new ScoredDocument(dataset.corpus().get(0).id(), 1f))).toList();
      }

      @Override
      public void close() {
        closed.incrementAndGet();
      }
    };
    List<String> log = new ArrayList<>();
    Report report = OfflineEvaluation.on(dataset).log(log::add).prebuilt("shared", built).run();
    assertEquals(List.of("shared"), report.results().stream().map(SystemResult::system).toList());
    assertEquals(0, closed.get(), "the caller closes what it built");
    assertTrue(log.stream().noneMatch(l -> l.startsWith("shared: indexed")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.startsWith("shared: searched")), log.toString());
  }

  @Test
  void limitTakesTheFirstQueriesOfTheSplit() {
    Report report = OfflineEvaluation.on(dataset).split("train").limit(3).bm25().run();
    assertEquals(3, report.queries());
    assertEquals(3, report.results().get(0).metrics().queries());
  }

  @Test
  void misuseIsReportedClearly() {
    assertThrows(IllegalArgumentException.class, () -> OfflineEvaluation.on(dataset).run());
    IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
        () -> OfflineEvaluation.on(dataset).split("dev").bm25().run());
    assertTrue(split.getMessage().contains("no split 'dev'"), split.getMessage());
    assertThrows(IllegalArgumentException.class, () -> OfflineEvaluation.on(dataset).bm25().bm25());
    assertThrows(IllegalArgumentException.class, () -> OfflineEvaluation.on(dataset).limit(-1));
  }

  @Test
  void jsonHasTheAgreedShape(@TempDir Path dir) throws Exception {
    Report report = OfflineEvaluation.on(dataset).bm25().model("trained", new HashedBagOfWordsModel(32)).run();
    Path file = dir.resolve("reports/offline.json");
    ReportJson.write(report, file);

    JsonNode root = new ObjectMapper().readTree(Files.readString(file));
    assertEquals("tiny-packages", root.get("dataset").asText());
    assertEquals("test", root.get("split").asText());
    assertEquals(6, root.get("queries").asInt());
    JsonNode results = root.get("results");
    assertEquals(2, results.size());
    List<String> keys = new ArrayList<>();
    Iterator<String> names = results.get(0).fieldNames();
    names.forEachRemaining(keys::add);
    assertEquals(List.of("system", "recall@1", "recall@10", "recall@100", "mrr@10", "ndcg@10", "index_seconds",
        "search_seconds"), keys);
    assertEquals("bm25", results.get(0).get("system").asText());
    assertEquals("trained", results.get(1).get("system").asText());
    MetricSummary bm25 = report.results().get(0).metrics();
    assertEquals(bm25.recallAt10(), results.get(0).get("recall@10").asDouble());
    assertEquals(bm25.ndcgAt10(), results.get(0).get("ndcg@10").asDouble());
  }

  @Test
  void tableHasOneRowPerSystem() {
    Report report = new Report("ds", "test", 10, 2, 100, List.of(
        new SystemResult("bm25", new MetricSummary(10, 0.5, 0.75, 0.875, 0.6, 0.65), 1.0, 0.5),
        new SystemResult("trained-model", new MetricSummary(10, 0.25, 0.5, 1, 0.3, 0.35), 2.0, 0.25)));
    String table = ReportTable.format(report);
    List<String> lines = table.lines().toList();
    assertEquals("ds / test: 10 queries, 100 documents", lines.get(0));
    assertTrue(lines.get(1).startsWith("system  "), lines.get(1));
    assertTrue(lines.get(2).matches("bm25 +0\\.5000 +0\\.7500 +0\\.8750 +0\\.6000 +0\\.6500 +1\\.5"), lines.get(2));
    assertTrue(lines.get(3).matches("trained-model +0\\.2500 +0\\.5000 +1\\.0000 .*"), lines.get(3));
    assertTrue(lines.get(4).contains("2 judged queries without text"), lines.get(4));
  }
}
