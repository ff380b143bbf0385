package dev.dualstream.evaluator.offline;

import dev.dualstream.evaluator.metrics.MetricSummary;
import java.util.Objects;

/**
 * One system's scores on the split.
 *
 * @param system the name the system was registered under ("bm25", "trained", ...)
 * @param indexSeconds wall time to index or embed the corpus
 * @param searchSeconds wall time to rank the corpus for every query
 */
public record SystemResult(String system, MetricSummary metrics, double indexSeconds, double searchSeconds) {
  public SystemResult {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(metrics, "metrics");
  }
}
