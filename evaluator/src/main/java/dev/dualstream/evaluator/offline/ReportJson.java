package dev.dualstream.evaluator.offline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.evaluator.metrics.MetricSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link Report} as JSON:
 *
 * <pre>
 * {"dataset": "...", "split": "test", "queries": 3352, "skipped_queries": 0, "corpus_size": 32895,
 *  "results": [{"system": "bm25", "recall@1": 0.65, "recall@10": 0.87, "recall@100": 0.95,
 *               "mrr@10": 0.73, "ndcg@10": 0.77, "index_seconds": 2.1, "search_seconds": 1.4}, ...]}
 * </pre>
 *
 * Keys appear in this order; metrics are unrounded.
 */
public final class ReportJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportJson() {}

  /** The report as a JSON document. */
  public static String toJson(Report report) {
    ObjectNode root = JSON.createObjectNode();
    root.put("dataset", report.dataset());
    root.put("split", report.split());
    root.put("queries", report.queries());
    root.put("skipped_queries", report.skippedQueries());
    root.put("corpus_size", report.corpusSize());
    ArrayNode results = root.putArray("results");
    for (SystemResult result : report.results()) {
      MetricSummary m = result.metrics();
      ObjectNode node = results.addObject();
      node.put("system", result.system());
      node.put("recall@1", m.recallAt1());
      node.put("recall@10", m.recallAt10());
      node.put("recall@100", m.recallAt100());
      node.put("mrr@10", m.mrrAt10());
      node.put("ndcg@10", m.ndcgAt10());
      node.put("index_seconds", Math.round(result.indexSeconds() * 1000) / 1000.0);
      node.put("search_seconds", Math.round(result.searchSeconds() * 1000) / 1000.0);
    }
    try {
      return JSON.writeValueAsString(root) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise report", e);
    }
  }

  /** Writes the report's JSON to {@code file}, creating parent directories. */
  public static void write(Report report, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, toJson(report), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report to " + file + ": " + e.getMessage(), e);
    }
  }
}
