package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PopularityEstimateTest {

  @Test
  void countsExactlyWhileKeysAreFewAndFloorsTheUnseen() {
    PopularityEstimate p = new PopularityEstimate(1 << 12, 4, 1.0, 7);
    assertThrows(IllegalStateException.class, () -> p.probability(1));
    for (int i = 0; i < 3; i++) {
      p.add(DocKeys.of("a"));
    }
    p.add(DocKeys.of("b"));
    assertEquals(3, p.count(DocKeys.of("a")), 0);
    assertEquals(4, p.total(), 0);
    assertEquals(0.75, p.probability(DocKeys.of("a")), 1e-15);
    assertEquals(0.25, p.probability(DocKeys.of("b")), 1e-15);
    assertEquals(0.25, p.probability(DocKeys.of("never seen")), 1e-15);
  }

  @Test
  void neverUndercountsAndStaysCloseOnAZipfStream() {
    PopularityEstimate p = new PopularityEstimate(1 << 10, 4, 1.0, 3);
    Map<Long, Integer> exact = new HashMap<>();
    Random random = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      long key = (long) Math.floor(Math.pow(5000, random.nextDouble()));
      p.add(key);
      exact.merge(key, 1, Integer::sum);
    }
    double overcount = 0;
    for (Map.Entry<Long, Integer> e : exact.entrySet()) {
      double estimate = p.count(e.getKey());
      assertTrue(estimate >= e.getValue(), "undercount of " + e.getKey());
      overcount += estimate - e.getValue();
    }
    assertTrue(overcount / exact.size() < 2.0, "mean overcount " + overcount / exact.size());
  }

  @Test
  void decayWeighsRecentOccurrencesMore() {
    PopularityEstimate p = new PopularityEstimate(1 << 10, 4, 0.5, 3);
    p.add(1);
    p.add(2);
    p.add(2);
    // Weights 1, 2, 4 in units of the first occurrence: key 2 holds 6 of 7.
    assertEquals(6.0 / 7, p.probability(2), 1e-12);
    assertEquals(1.5, p.count(2), 1e-12);
    for (int i = 0; i < 2000; i++) {
      p.add(3);
    }
    assertEquals(1.0, p.probability(3), 1e-9);
    assertTrue(Double.isFinite(p.total()));
  }

  @Test
  void sameSeedSameEstimatesDifferentSeedDifferentCollisions() {
    PopularityEstimate a = new PopularityEstimate(16, 1, 1.0, 5);
    PopularityEstimate b = new PopularityEstimate(16, 1, 1.0, 5);
    PopularityEstimate c = new PopularityEstimate(16, 1, 1.0, 6);
    for (long k = 0; k < 64; k++) {
      a.add(k);
      b.add(k);
      c.add(k);
    }
    boolean differs = false;
    for (long k = 0; k < 64; k++) {
      assertEquals(a.count(k), b.count(k));
      differs |= a.count(k) != c.count(k);
    }
    assertTrue(differs);
  }
}
