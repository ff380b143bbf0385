package dev.dualstream.deploy.demo;

import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.ReportJson;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.report.ReportPage;
import java.nio.file.Path;
import java.util.List;

/**
 * One evaluation's report page: the final results as {@code --report-json} writes them (its JSON whole in
 * {@code details}), and the curves of the versions before it.
 */
final class ResultsReport {
  private ResultsReport() {}

  static void write(Path dir, Report report, List<CurvePoint> curves, String intro) {
    new ReportPage(report.dataset() + " / " + report.split(), intro, report.dataset(), report.split(), report.queries(),
        report.results(), curves, List.of(), ReportPage.details(ReportJson.toJson(report))).write(dir);
  }
}
