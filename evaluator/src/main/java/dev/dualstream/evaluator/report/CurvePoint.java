package dev.dualstream.evaluator.report;

import dev.dualstream.evaluator.metrics.MetricSummary;
import java.time.Instant;
import java.util.Objects;

/**
 * One system's metrics at one point of a training run: after {@code examples} examples, the newest of which
 * happened at {@code eventTime} (null where the run does not know).
 */
public record CurvePoint(String system, long examples, Instant eventTime, MetricSummary metrics) {
  public CurvePoint {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(metrics, "metrics");
  }
}
