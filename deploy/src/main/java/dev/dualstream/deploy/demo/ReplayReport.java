package dev.dualstream.deploy.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.report.HtmlReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** What {@code evaluate --replay} writes: its points as JSON, and as a report page with charts and tables. */
public final class ReplayReport {
  private static final List<String> SYSTEMS = List.of("dense", "hybrid", "bm25");

  private ReplayReport() {}

  /** The points as the JSON report holds them. */
  public static Map<String, Object> json(Path recording, int window, List<ReplayEvaluation.Point> points) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ReplayEvaluation.Point p : points) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("version_every", p.versionEvery());
      row.put("version", p.version());
      row.put("step", p.step());
      row.put("examples", p.examples());
      row.put("event_time", p.eventTime() == null ? null : p.eventTime().toString());
      row.put("window_examples", p.windowExamples());
      row.put("window", p.window());
      row.put("test", p.test());
      rows.add(row);
    }
    Map<Integer, Map<String, MetricSummary>> prequential = new LinkedHashMap<>();
    runs(points).forEach((every, run) -> prequential.put(every, ReplayEvaluation.prequential(run)));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("recording", recording.toString());
    json.put("window", window);
    json.put("prequential", prequential);
    json.put("points", rows);
    return json;
  }

  public static void writeJson(Path file, Map<String, Object> json) {
    try {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code dir/index.html}, {@code dir/summary.md} and {@code dir/report.json}. */
  public static void write(Path dir, Path recording, int window, List<ReplayEvaluation.Point> points,
      Map<String, Object> json) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    writeJson(dir.resolve("report.json"), json);
    Map<Integer, List<ReplayEvaluation.Point>> runs = runs(points);
    List<HtmlReport.Chart> charts = new ArrayList<>();
    for (String metric : List.of("Recall@10", "MRR@10")) {
      ToDoubleFunction<MetricSummary> value = metric.equals("Recall@10") ? MetricSummary::recallAt10
          : MetricSummary::mrrAt10;
      for (boolean overTime : List.of(false, true)) {
        charts.add(chart(metric + " on the examples each version served next", metric, runs, true, overTime, value));
        charts.add(chart(metric + " on the test split", metric, runs, false, overTime, value));
      }
    }
    List<HtmlReport.Table> tables = new ArrayList<>();
    List<List<String>> sweep = new ArrayList<>();
    runs.forEach((every, run) -> {
      Map<String, MetricSummary> q = ReplayEvaluation.prequential(run);
      List<String> row = new ArrayList<>(List.of(Integer.toString(every),
          Integer.toString(run.stream().mapToInt(ReplayEvaluation.Point::windowExamples).sum())));
      SYSTEMS.forEach(s -> row.add(q.containsKey(s) ? pair(q.get(s)) : "-"));
      sweep.add(row);
    });
    tables.add(new HtmlReport.Table("Prequential quality per refresh interval (Recall@10 / MRR@10)",
        List.of("version every (steps)", "examples scored", "dense", "hybrid", "bm25"), sweep));
    List<List<String>> versions = new ArrayList<>();
    for (ReplayEvaluation.Point p : points) {
      List<String> row = new ArrayList<>(List.of(Integer.toString(p.versionEvery()), Long.toString(p.version()),
          Long.toString(p.step()), Long.toString(p.examples()), p.eventTime() == null ? "-" : p.eventTime().toString(),
          Integer.toString(p.windowExamples())));
      SYSTEMS.forEach(s -> row.add(p.window().containsKey(s) ? pair(p.window().get(s)) : "-"));
      SYSTEMS.forEach(s -> row.add(p.test().containsKey(s) ? pair(p.test().get(s)) : "-"));
      versions.add(row);
    }
    tables.add(new HtmlReport.Table("Every version (Recall@10 / MRR@10)", List.of("every", "version", "step",
        "examples", "event time", "next examples", "next: dense", "next: hybrid", "next: bm25", "test: dense",
        "test: hybrid", "test: bm25"), versions));
    HtmlReport.write(dir, "Prequential evaluation of " + recording, String.format(Locale.ROOT, "Each version scored"
        + " on the examples it would have served until the next (at most %d; their clicked documents as labels) and"
        + " on the test split; the final version's TREC runs on the test split are in runs/.", window), charts,
        tables);
  }

  /** One metric per system and refresh interval, over examples seen or over the newest example's event time. */
  private static HtmlReport.Chart chart(String title, String metric, Map<Integer, List<ReplayEvaluation.Point>> runs,
      boolean window, boolean overTime, ToDoubleFunction<MetricSummary> value) {
    List<HtmlReport.Series> series = new ArrayList<>();
    for (String system : SYSTEMS) {
      runs.forEach((every, run) -> {
        List<ReplayEvaluation.Point> scored = run.stream()
            .filter(p -> (window ? p.window() : p.test()).containsKey(system))
            .filter(p -> !overTime || p.eventTime() != null).toList();
        double[] x = scored.stream().mapToDouble(p -> overTime ? p.eventTime().toEpochMilli() / 1000.0 : p.examples())
            .toArray();
        double[] y = scored.stream().mapToDouble(p -> value.applyAsDouble((window ? p.window() : p.test())
            .get(system))).toArray();
        series.add(new HtmlReport.Series(system + ", every " + every, x, y));
      });
    }
    return overTime ? new HtmlReport.Chart(title + ", over event time", "event time of the newest example seen (UTC)",
        metric, series, HtmlReport.XAxis.TIME) : new HtmlReport.Chart(title, "examples seen", metric, series);
  }

  private static Map<Integer, List<ReplayEvaluation.Point>> runs(List<ReplayEvaluation.Point> points) {
    Map<Integer, List<ReplayEvaluation.Point>> runs = new LinkedHashMap<>();
    points.forEach(p -> runs.computeIfAbsent(p.versionEvery(), k -> new ArrayList<>()).add(p));
    return runs;
  }

  private static String pair(MetricSummary m) {
    return String.format(Locale.ROOT, "%.3f / %.3f", m.recallAt10(), m.mrrAt10());
  }
}
