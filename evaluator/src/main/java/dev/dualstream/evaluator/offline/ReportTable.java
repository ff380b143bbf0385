package dev.dualstream.evaluator.offline;

import dev.dualstream.evaluator.metrics.MetricSummary;
import java.util.Locale;

/** Formats a {@link Report} as a fixed-width table for the console. */
public final class ReportTable {

  private ReportTable() {}

  /** The report as text lines, a title line then one row per system. */
  public static String format(Report report) {
    int width = "system".length();
    for (SystemResult result : report.results()) {
      width = Math.max(width, result.system().length());
    }
    String row = "%-" + width + "s  %8s  %8s  %8s  %8s  %8s  %9s%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s / %s: %d queries, %d documents%n", report.dataset(), report.split(),
        report.queries(), report.corpusSize()));
    out.append(String.format(Locale.ROOT, row, "system", "R@1", "R@10", "R@100", "MRR@10", "nDCG@10", "seconds"));
    for (SystemResult result : report.results()) {
      MetricSummary m = result.metrics();
      out.append(String.format(Locale.ROOT, row, result.system(), fixed(m.recallAt1()), fixed(m.recallAt10()),
          fixed(m.recallAt100()), fixed(m.mrrAt10()), fixed(m.ndcgAt10()),
          String.format(Locale.ROOT, "%.1f", result.indexSeconds() + result.searchSeconds())));
    }
    if (report.skippedQueries() > 0) {
      out.append(String.format(Locale.ROOT, "(%d judged queries without text were skipped)%n",
          report.skippedQueries()));
    }
    return out.toString();
  }

  private static String fixed(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
