package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClickModelTest {
  private static final int TRIALS = 20_000;
  /** Allowed deviation of an observed rate from its expectation, in binomial standard deviations. */
  private static final double SIGMAS = 4.5;

  @Test
  void clickRatesFollowThePositionBasedModel() {
    ClickModel model = new ClickModel(0.9, 0.02, 0.5);
    for (int relevantPosition = 1; relevantPosition <= 10; relevantPosition += 3) {
      List<ScoredDocument> ranked = ranking(10);
      String relevant = ranked.get(relevantPosition - 1).id();
      SplittableRandom random = new SplittableRandom(relevantPosition);
      int[] examined = new int[11];
      int[] clicked = new int[11];
      for (int t = 0; t < TRIALS; t++) {
        for (ClickModel.Outcome o : model.play(ranked, List.of(relevant), doc -> 0f, random)) {
          assertTrue(!o.clicked() || o.examined(), "a click on an unexamined result");
          assertEquals(o.result().id().equals(relevant), o.relevant());
          assertEquals(1.0 / o.position(), o.propensity());
          examined[o.position()] += o.examined() ? 1 : 0;
          clicked[o.position()] += o.clicked() ? 1 : 0;
        }
      }
      for (int p = 1; p <= 10; p++) {
        double clickProbability = (p == relevantPosition ? 0.9 : 0.02) / p;
        assertRate(1.0 / p, examined[p], TRIALS, "examination at " + p);
        assertRate(clickProbability, clicked[p], TRIALS, "clicks at " + p + ", relevant at " + relevantPosition);
      }
    }
  }

  @Test
  void rescueInsertsAMissingRelevantDocumentUniformly() {
    ClickModel model = new ClickModel(0.9, 0.02, 1.0);
    List<ScoredDocument> ranked = ranking(12);
    SplittableRandom random = new SplittableRandom(5);
    int[] rescuedAt = new int[11];
    for (int t = 0; t < TRIALS; t++) {
      List<ClickModel.Outcome> shown = model.play(ranked, List.of("missing-a", "missing-b"), doc -> 1.5f, random);
      assertEquals(10, shown.size());
      List<String> others = new ArrayList<>();
      int position = 0;
      for (ClickModel.Outcome o : shown) {
        if (o.relevant()) {
          assertEquals(0, position, "only one document is rescued");
          position = o.position();
          assertEquals(1.5f, o.result().score());
        } else {
          others.add(o.result().id());
        }
      }
      assertTrue(position > 0, "relevant document was not rescued");
      assertEquals(ranked.subList(0, 9).stream().map(ScoredDocument::id).toList(), others,
          "the ranker's order is kept and the tenth result drops out");
      rescuedAt[position]++;
    }
    double chiSquare = 0;
    double expected = TRIALS / 10.0;
    for (int p = 1; p <= 10; p++) {
      chiSquare += Math.pow(rescuedAt[p] - expected, 2) / expected;
    }
    assertTrue(chiSquare < 27.88, "rescue positions not uniform (chi-square " + chiSquare + ", 9 dof, p = 0.001)");
  }

  @Test
  void rescueHappensWithItsProbabilityAndOnlyWhenNeeded() {
    ClickModel model = new ClickModel(0.9, 0.02, 0.3);
    List<ScoredDocument> ranked = ranking(4);
    SplittableRandom random = new SplittableRandom(9);
    int rescued = 0;
    for (int t = 0; t < TRIALS; t++) {
      List<ClickModel.Outcome> shown = model.play(ranked, List.of("missing"), doc -> 0f, random);
      if (shown.size() == 5) {
        rescued++;
        assertTrue(shown.stream().anyMatch(ClickModel.Outcome::relevant));
      } else {
        assertEquals(4, shown.size());
      }
    }
    assertRate(0.3, rescued, TRIALS, "rescues");

    ClickModel never = new ClickModel(0.9, 0.02, 0.0);
    for (int t = 0; t < 1000; t++) {
      assertEquals(4, never.play(ranked, List.of("missing"), doc -> 0f, random).size());
    }
    ClickModel always = new ClickModel(0.9, 0.02, 1.0);
    for (int t = 0; t < 1000; t++) {
      List<ClickModel.Outcome> shown = always.play(ranked, List.of(ranked.get(3).id()), doc -> 0f, random);
      assertEquals(4, shown.size(), "nothing is rescued when a relevant document is already shown");
    }
  }

  private static void assertRate(double expected, int hits, int trials, String what) {
    double sd = Math.sqrt(expected * (1 - expected) / trials);
    double observed = (double) hits / trials;
    assertTrue(Math.abs(observed - expected) <= SIGMAS * sd + 1e-12,
        what + ": observed " + observed + ", expected " + expected + " (sd " + sd + ")");
  }

  private static List<ScoredDocument> ranking(int size) {
    List<ScoredDocument> ranked = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ranked.add(new ScoredDocument("d" + i, 10f - i));
    }
    return ranked;
  }
}
