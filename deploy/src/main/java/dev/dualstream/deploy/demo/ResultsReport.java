package dev.dualstream.deploy.demo;

import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.ReportJson;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.evaluator.report.HtmlReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** One evaluation's report: {@code DIR/report.json} as {@code --report-json} writes it, and the page and summary. */
final class ResultsReport {
  private ResultsReport() {}

  static void write(Path dir, Report report, long examples, String intro) {
    HtmlReport.write(dir, report.dataset() + " / " + report.split(), intro, charts(report, examples),
        List.of(table(report)));
    ReportJson.write(report, dir.resolve("report.json"));
  }

  /** Each metric's value per system, at the examples the model had trained on. */
  private static List<HtmlReport.Chart> charts(Report report, long examples) {
    List<HtmlReport.Chart> charts = new ArrayList<>();
    List<String> names = List.of("Recall@10", "MRR@10", "nDCG@10");
    List<ToDoubleFunction<MetricSummary>> values = List.of(MetricSummary::recallAt10, MetricSummary::mrrAt10,
        MetricSummary::ndcgAt10);
    for (int m = 0; m < names.size(); m++) {
      List<HtmlReport.Series> series = new ArrayList<>();
      for (SystemResult r : report.results()) {
        series.add(new HtmlReport.Series(r.system(), new double[] {examples},
            new double[] {values.get(m).applyAsDouble(r.metrics())}));
      }
      charts.add(new HtmlReport.Chart(names.get(m) + " on the " + report.split() + " split", "examples trained",
          names.get(m), series));
    }
    return charts;
  }

  private static HtmlReport.Table table(Report report) {
    List<List<String>> rows = new ArrayList<>();
    for (SystemResult r : report.results()) {
      MetricSummary m = r.metrics();
      rows.add(List.of(r.system(), f(m.recallAt1()), f(m.recallAt10()), f(m.recallAt100()), f(m.mrrAt10()),
          f(m.ndcgAt10())));
    }
    return new HtmlReport.Table(report.queries() + " queries, " + report.corpusSize() + " documents",
        List.of("system", "Recall@1", "Recall@10", "Recall@100", "MRR@10", "nDCG@10"), rows);
  }

  private static String f(double x) {
    return String.format(Locale.ROOT, "%.4f", x);
  }
}
