package dev.dualstream.trainer.job;

import dev.dualstream.trainer.model.StepResult;

/**
 * What the steps since the last metrics report add up to: mean loss, examples per second, and the
 * negative cache's size after the last step and mean staleness of the draws (steps without a draw
 * report NaN staleness and are left out of the mean). Used on the training thread only.
 */
final class StepWindow {

  /** One report's figures; {@code cacheSize} and {@code cacheStaleness} are null when there are none. */
  record Summary(int steps, double meanLoss, double examplesPerS, Integer cacheSize, Double cacheStaleness) {}

  private long startNanos;
  private int steps;
  private long examples;
  private double lossSum;
  private int lastCacheSize;
  private double stalenessSum;
  private int stalenessCount;

  StepWindow(long startNanos) {
    this.startNanos = startNanos;
  }

  void add(StepResult result) {
    steps++;
    examples += result.batchSize();
    lossSum += result.loss();
    lastCacheSize = result.cacheSize();
    if (Double.isFinite(result.cacheStaleness())) {
      stalenessSum += result.cacheStaleness();
      stalenessCount++;
    }
  }

  boolean isEmpty() {
    return steps == 0;
  }

  /**
   * The figures since the last call, and a new window from {@code nowNanos}.
   *
   * @param hasCache whether the trainer keeps a negative cache; without one, the cache figures are null
   */
  Summary takeAndReset(long nowNanos, boolean hasCache) {
    double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
    Summary summary = new Summary(steps, steps == 0 ? Double.NaN : lossSum / steps, examples / seconds,
        hasCache ? lastCacheSize : null, stalenessCount == 0 ? null : stalenessSum / stalenessCount);
    startNanos = nowNanos;
    steps = 0;
    examples = 0;
    lossSum = 0;
    stalenessSum = 0;
    stalenessCount = 0;
    return summary;
  }
}
