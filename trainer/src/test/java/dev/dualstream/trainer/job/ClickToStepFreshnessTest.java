package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.HistogramStatistics;
import org.junit.jupiter.api.Test;

class ClickToStepFreshnessTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final ClickToStepFreshness freshness = new ClickToStepFreshness(60_000, now::get);

  @Test
  void eachExampleIsMeasuredFromItsEventTimeToTheEndOfItsStep() {
    freshness.arrived(999_000);
    freshness.arrived(999_500);
    freshness.arrived(999_900);
    now.set(1_000_100);
    freshness.applied(2);
    now.set(1_000_400);
    freshness.applied(1);
    assertEquals(3, freshness.getCount());
    assertArrayEquals(new long[] {500, 600, 1100}, freshness.getStatistics().getValues());
  }

  @Test
  void restoredExamplesWithoutEventTimeAreSkippedButStillConsumeTheirPlace() {
    freshness.arrivedUnknown(2);
    freshness.arrived(999_990);
    now.set(1_000_010);
    freshness.applied(3);
    assertEquals(1, freshness.getCount());
    assertArrayEquals(new long[] {20}, freshness.getStatistics().getValues());
  }

  @Test
  void statisticsCoverOnlyTheLastWindow() {
    for (int i = 0; i < 100; i++) {
      freshness.arrived(now.get() - 50);
    }
    freshness.applied(100);
    now.addAndGet(61_000);
    for (int i = 0; i < 10_000; i++) {
      freshness.arrived(now.get() - 1 - i % 100);
    }
    freshness.applied(10_000);
    HistogramStatistics stats = freshness.getStatistics();
    assertEquals(10_000, stats.size());
    assertEquals(50, stats.getQuantile(0.5), 1);
    assertEquals(99, stats.getQuantile(0.99), 1);
    assertEquals(100, stats.getMax());
    assertEquals(10_100, freshness.getCount());
  }
}
