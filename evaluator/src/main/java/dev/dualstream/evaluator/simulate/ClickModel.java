package dev.dualstream.evaluator.simulate;

import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The position-based click model (Craswell et al., WSDM 2008; Joachims et al., WSDM 2017): a user
 * examines the result at rank r with probability 1/r, independently of the others, and clicks an
 * examined result with one probability when it is relevant and a small one when it is not. So the
 * examination probability 1/r is also the exact propensity an unbiased learner needs.
 *
 * <p>Rescue: when none of the query's relevant documents is in the logging ranker's top 10, then with
 * {@code rescueProbability} one of them (drawn uniformly) is inserted at a uniformly drawn position
 * and the list is cut back to 10, as if the user had reformulated and found it. Without this, clicks
 * on relevant documents only ever happen where BM25 already succeeds, and a model trained on the log
 * could never learn anything BM25 does not already know.
 */
final class ClickModel {
  static final int SHOWN = 10;

  private final double relevantClickProbability;
  private final double irrelevantClickProbability;
  private final double rescueProbability;

  ClickModel(double relevantClickProbability, double irrelevantClickProbability, double rescueProbability) {
    this.relevantClickProbability = relevantClickProbability;
    this.irrelevantClickProbability = irrelevantClickProbability;
    this.rescueProbability = rescueProbability;
  }

  /** Scores the rescue needs when it inserts a document the ranker did not return. */
  @FunctionalInterface
  interface Scorer {
    float score(String docId);
  }

  /** A shown result and whether the user clicked it. */
  record Outcome(ScoredDocument result, int position, boolean relevant, boolean examined, boolean clicked) {
    double propensity() {
      return 1.0 / position;
    }
  }

  /**
   * The list shown (the ranker's top 10, possibly with a rescued relevant document) and the user's
   * reaction to each result.
   *
   * @param ranked the logging ranker's results, best first
   * @param relevant the query's relevant documents that exist in the corpus, in a stable order
   */
  List<Outcome> play(List<ScoredDocument> ranked, List<String> relevant, Scorer scorer, SplittableRandom random) {
    Set<String> relevantSet = Set.copyOf(relevant);
    List<ScoredDocument> shown = new ArrayList<>(ranked.subList(0, Math.min(SHOWN, ranked.size())));
    boolean anyRelevantShown = shown.stream().anyMatch(r -> relevantSet.contains(r.id()));
    if (!anyRelevantShown && !relevant.isEmpty() && random.nextDouble() < rescueProbability) {
      String rescued = relevant.get(random.nextInt(relevant.size()));
      int position = random.nextInt(Math.min(SHOWN, shown.size() + 1));
      shown.add(position, new ScoredDocument(rescued, scorer.score(rescued)));
      if (shown.size() > SHOWN) {
        shown.remove(SHOWN);
      }
    }
    List<Outcome> outcomes = new ArrayList<>(shown.size());
    for (int i = 0; i < shown.size(); i++) {
      int position = i + 1;
      ScoredDocument result = shown.get(i);
      boolean isRelevant = relevantSet.contains(result.id());
      boolean examined = random.nextDouble() < 1.0 / position;
      boolean clicked = examined
          && random.nextDouble() < (isRelevant ? relevantClickProbability : irrelevantClickProbability);
      outcomes.add(new Outcome(result, position, isRelevant, examined, clicked));
    }
    return outcomes;
  }
}
