package dev.dualstream.evaluator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.SystemResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The report every evaluating command writes with {@code --report DIR}: {@code index.html} (each metric's
 * curve per system over examples and over event time, the final results, the command's own tables),
 * {@code summary.md} and {@code report.json}:
 *
 * <pre>
 * {"title": ..., "dataset": ..., "split": "test", "queries": n,
 *  "results": [{"system": ..., "recall@1": x, "recall@10": x, "recall@100": x, "mrr@10": x, "ndcg@10": x}, ...],
 *  "curves": [{"system": ..., "examples": n, "event_time": "2025-..Z" or null, "recall@1": x, ...}, ...],
 *  "details": {...}}
 * </pre>
 *
 * The results are shaped as the demo's {@code --report-json} (with {@code index_seconds} and {@code search_seconds}
 * where the evaluation timed them); {@code details} is the command's own JSON. The
 * TREC run files of the final evaluation go beside them, in {@code runs/}, written by the evaluation itself.
 *
 * @param results the final evaluation, per system in the order shown
 * @param curves every evaluation along the way (the final one included), in any order
 * @param tables the command's own tables, shown after the results
 * @param details the command's own JSON, or null
 */
public record ReportPage(String title, String intro, String dataset, String split, int queries,
    List<SystemResult> results, List<CurvePoint> curves, List<HtmlReport.Table> tables, JsonNode details) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final List<String> METRICS = List.of("Recall@10", "MRR@10", "nDCG@10");
  private static final List<ToDoubleFunction<MetricSummary>> VALUES = List.of(MetricSummary::recallAt10,
      MetricSummary::mrrAt10, MetricSummary::ndcgAt10);

  public ReportPage {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(intro, "intro");
    results = List.copyOf(results);
    curves = List.copyOf(curves);
    tables = List.copyOf(tables);
  }

  /**
   * Each system's final result: its point with the most examples, systems in the order they first appear.
   */
  public static List<SystemResult> finalResults(List<CurvePoint> curves) {
    Map<String, CurvePoint> last = new LinkedHashMap<>();
    for (CurvePoint p : curves) {
      last.merge(p.system(), p, (a, b) -> b.examples() >= a.examples() ? b : a);
    }
    return last.values().stream().map(p -> new SystemResult(p.system(), p.metrics(), Double.NaN, Double.NaN))
        .toList();
  }

  /** Reads a command's own JSON for {@code details}. */
  public static JsonNode details(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  /** Writes {@code dir/index.html}, {@code dir/summary.md} and {@code dir/report.json}. */
  public void write(Path dir) {
    List<HtmlReport.Table> all = new ArrayList<>();
    all.add(resultsTable());
    all.addAll(tables);
    HtmlReport.write(dir, title, intro, charts(curves, split), all);
    try {
      Files.writeString(dir.resolve("report.json"), JSON.writeValueAsString(json()) + System.lineSeparator(),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("report.json") + ": " + e.getMessage(), e);
    }
  }

  /** The JSON above. */
  public ObjectNode json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("title", title);
    root.put("dataset", dataset);
    root.put("split", split);
    root.put("queries", queries);
    ArrayNode array = root.putArray("results");
    for (SystemResult r : results) {
      ObjectNode node = array.addObject().put("system", r.system());
      metrics(node, r.metrics());
      if (!Double.isNaN(r.indexSeconds())) {
        node.put("index_seconds", Math.round(r.indexSeconds() * 1000) / 1000.0);
        node.put("search_seconds", Math.round(r.searchSeconds() * 1000) / 1000.0);
      }
    }
    ArrayNode points = root.putArray("curves");
    for (CurvePoint p : curves) {
      ObjectNode node = points.addObject().put("system", p.system()).put("examples", p.examples());
      if (p.eventTime() == null) {
        node.putNull("event_time");
      } else {
        node.put("event_time", p.eventTime().toString());
      }
      metrics(node, p.metrics());
    }
    if (details != null) {
      root.set("details", details);
    }
    return root;
  }

  /**
   * For each metric, a chart of every system's curve over examples, and one over event time when the points
   * know theirs.
   */
  public static List<HtmlReport.Chart> charts(List<CurvePoint> curves, String split) {
    Map<String, List<CurvePoint>> bySystem = new LinkedHashMap<>();
    curves.forEach(p -> bySystem.computeIfAbsent(p.system(), k -> new ArrayList<>()).add(p));
    boolean timed = curves.stream().anyMatch(p -> p.eventTime() != null);
    List<HtmlReport.Chart> charts = new ArrayList<>();
    for (int m = 0; m < METRICS.size(); m++) {
      ToDoubleFunction<MetricSummary> value = VALUES.get(m);
      String title = METRICS.get(m) + " on the " + split + " split";
      charts.add(new HtmlReport.Chart(title + ", over examples trained", "examples trained", METRICS.get(m),
          series(bySystem, value, false)));
      if (timed) {
        charts.add(new HtmlReport.Chart(title + ", over event time", "event time of the newest example (UTC)",
            METRICS.get(m), series(bySystem, value, true), HtmlReport.XAxis.TIME));
      }
    }
    return charts;
  }

  private static List<HtmlReport.Series> series(Map<String, List<CurvePoint>> bySystem,
      ToDoubleFunction<MetricSummary> value, boolean overTime) {
    List<HtmlReport.Series> series = new ArrayList<>();
    bySystem.forEach((system, points) -> {
      List<CurvePoint> shown = points.stream().filter(p -> !overTime || p.eventTime() != null)
          .sorted(java.util.Comparator.comparingDouble(p -> x(p, overTime))).toList();
      series.add(new HtmlReport.Series(system, shown.stream().mapToDouble(p -> x(p, overTime)).toArray(),
          shown.stream().mapToDouble(p -> value.applyAsDouble(p.metrics())).toArray()));
    });
    return series;
  }

  private static double x(CurvePoint p, boolean overTime) {
    return overTime ? p.eventTime().toEpochMilli() / 1000.0 : p.examples();
  }

  private HtmlReport.Table resultsTable() {
    List<List<String>> rows = new ArrayList<>();
    for (SystemResult r : results) {
      MetricSummary m = r.metrics();
      rows.add(List.of(r.system(), f(m.recallAt1()), f(m.recallAt10()), f(m.recallAt100()), f(m.mrrAt10()),
          f(m.ndcgAt10())));
    }
    return new HtmlReport.Table(String.format(Locale.ROOT, "Final evaluation: %s, %s split, %d queries", dataset, split,
        queries), List.of("system", "Recall@1", "Recall@10", "Recall@100", "MRR@10", "nDCG@10"), rows);
  }

  private static void metrics(ObjectNode node, MetricSummary m) {
    node.put("recall@1", m.recallAt1());
    node.put("recall@10", m.recallAt10());
    node.put("recall@100", m.recallAt100());
    node.put("mrr@10", m.mrrAt10());
    node.put("ndcg@10", m.ndcgAt10());
  }

  private static String f(double x) {
    return String.format(Locale.ROOT, "%.4f", x);
  }
}
