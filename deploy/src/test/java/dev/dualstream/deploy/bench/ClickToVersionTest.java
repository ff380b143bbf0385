package dev.dualstream.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Click-to-version: each example counts from its event time to the first version seen whose offsets pass it. */
class ClickToVersionTest {

  @Test
  void eachExampleCountsUntilTheFirstVersionThatHoldsIt() {
    ClickToVersion c = new ClickToVersion();
    c.sent(0, 10, 1_000);
    c.sent(0, 11, 1_100);
    c.sent(1, 5, 1_200);
    c.sent(1, 6, 1_300);
    c.announced(Map.of(0, 11L, 1, 5L), 5_000); // holds offset 10 of partition 0 only
    assertFalse(c.allCovered());
    c.announced(Map.of(0, 12L), 6_000); // another partition's progress does not cover partition 1
    assertFalse(c.allCovered());
    c.announced(Map.of(0, 12L, 1, 7L), 9_000);
    assertTrue(c.allCovered());
    ClickToVersion.Figures f = c.figures();
    assertEquals(4, f.samples());
    assertEquals(0, f.uncovered());
    assertEquals(3, f.versions());
    // latencies 4000, 4900, 7800, 7700
    assertEquals(4_900, f.p50Ms());
    assertEquals(7_800, f.p99Ms());
    assertEquals(7_800, f.maxMs());
  }

  @Test
  void examplesInNoVersionAreCountedApart() {
    ClickToVersion c = new ClickToVersion();
    c.sent(0, 0, 0);
    c.sent(0, 1, 0);
    c.announced(Map.of(0, 1L), 100);
    ClickToVersion.Figures f = c.figures();
    assertEquals(1, f.samples());
    assertEquals(1, f.uncovered());
    assertTrue(f.toString().contains("1 in no version"), f.toString());
    assertTrue(Double.isNaN(new ClickToVersion().figures().p99Ms()));
  }

  @Test
  void quantilesAreNearestRank() {
    long[] hundred = new long[100];
    for (int i = 0; i < 100; i++) {
      hundred[i] = i + 1;
    }
    assertEquals(99, ClickToVersion.quantile(hundred, 0.99));
    assertEquals(50, ClickToVersion.quantile(hundred, 0.5));
    assertEquals(7, ClickToVersion.quantile(new long[] {7}, 0.99));
  }

  @Test
  void theBenchmarksJsonNamesTheFiguresAsTheIssueDoes() {
    PipelineBenchResult result = new PipelineBenchResult(1, 1, 1, List.of(), List.of(), List.of(), 1, 1, 1, 1, 1,
        1, 60, 1, 2, 1 << 20, 128, 1, 0, 60, 0, 0, Collections.emptyMap(), -1, 1, 1, 10, List.of(1L), List.of(150_000L), List.of(2L),
        List.of(3L), List.of(true), 100, new ClickToVersion.Figures(10, 0, 3, 40_000, 80_000, 81_000));
    String json = result.toJson();
    for (String key : List.of("\"click_to_version_p99_ms\" : 80000.0", "\"click_to_version_p50_ms\"",
        "\"click_to_version_samples\" : 10", "\"version_every_steps\" : 100", "\"checkpoint_blocked_ms\" : [ 3 ]",
        "\"freshness_p99_ms\"", "\"buckets\" : 1048576", "\"checkpoint_rows\" : [ 150000 ]")) {
      assertTrue(json.contains(key), key + " in " + json);
    }
  }
}
