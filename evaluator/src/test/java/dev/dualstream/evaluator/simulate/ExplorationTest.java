package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The exploring policy: without exploration it shows the ranking as is and draws nothing; with it, each shown
 * result's probability is what the policy really does, checked against the frequencies of many draws.
 */
class ExplorationTest {

  @Test
  void withoutExplorationTheTopTenShowsAsRankedAndNothingIsDrawn() {
    SplittableRandom random = new SplittableRandom(5);
    List<Exploration.Shown> shown = Exploration.NONE.choose(candidates(15), random);
    assertEquals(10, shown.size());
    for (int i = 0; i < 10; i++) {
      assertEquals("d" + i, shown.get(i).result().id());
      assertEquals(1.0, shown.get(i).probability());
    }
    assertEquals(new SplittableRandom(5).nextLong(), random.nextLong(), "no draw: earlier runs stay as they were");
  }

  @Test
  void theFirstPositionsProbabilityMatchesHowOftenEachDocumentIsShownThere() {
    Exploration policy = new Exploration(0.4, 0.3, 20);
    List<ScoredDocument> ranked = candidates(20);
    SplittableRandom random = new SplittableRandom(11);
    Map<String, Integer> counts = new HashMap<>();
    Map<String, Double> stated = new HashMap<>();
    int draws = 40_000;
    for (int i = 0; i < draws; i++) {
      Exploration.Shown first = policy.choose(ranked, random).get(0);
      counts.merge(first.result().id(), 1, Integer::sum);
      Double before = stated.put(first.result().id(), first.probability());
      assertTrue(before == null || Math.abs(before - first.probability()) < 1e-12,
          "the first position's probability depends on the document alone");
    }
    double total = 0;
    for (Map.Entry<String, Double> e : stated.entrySet()) {
      double frequency = counts.get(e.getKey()) / (double) draws;
      assertEquals(e.getValue(), frequency, 0.01, e.getKey() + " at position 1");
      total += e.getValue();
    }
    assertTrue(stated.get("d0") > 0.6, "the ranker's top stays most likely: " + stated.get("d0"));
    assertTrue(total > 0.97 && total <= 1 + 1e-9, "the documents seen there carry almost all of the mass: " + total);
  }

  @Test
  void theProductOverTheShownListIsTheProbabilityOfThatList() {
    Exploration policy = new Exploration(0.5, 0.2, 12);
    List<ScoredDocument> ranked = candidates(12);
    SplittableRandom random = new SplittableRandom(3);
    Map<List<String>, Integer> counts = new HashMap<>();
    Map<List<String>, Double> stated = new HashMap<>();
    int draws = 30_000;
    for (int i = 0; i < draws; i++) {
      List<Exploration.Shown> shown = policy.choose(ranked, random);
      List<String> topThree = new ArrayList<>();
      double p = 1;
      for (int k = 0; k < 3; k++) {
        topThree.add(shown.get(k).result().id());
        p *= shown.get(k).probability();
      }
      counts.merge(topThree, 1, Integer::sum);
      stated.put(topThree, p);
    }
    List<String> asRanked = List.of("d0", "d1", "d2");
    assertTrue(stated.get(asRanked) >= 0.5, "the ranked top three: 1 - share at least");
    stated.forEach((prefix, p) -> {
      if (counts.get(prefix) >= 300) {
        assertEquals(p, counts.get(prefix) / (double) draws, 0.012, "top three " + prefix);
      }
    });
  }

  @Test
  void settingsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new Exploration(1.5, 1, 20));
    assertThrows(IllegalArgumentException.class, () -> new Exploration(0.1, 0, 20));
    assertThrows(IllegalArgumentException.class, () -> new Exploration(0.1, 1, 5));
  }

  /** Documents d0, d1, ... with falling scores 10, 9.5, 9, ... */
  private static List<ScoredDocument> candidates(int n) {
    List<ScoredDocument> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ScoredDocument("d" + i, 10f - 0.5f * i));
    }
    return out;
  }
}
