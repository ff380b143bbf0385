package dev.dualstream.evaluator.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.offline.HybridTuning;
import dev.dualstream.evaluator.testing.HashedBagOfWordsModel;
import dev.dualstream.evaluator.testing.TinyDatasets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HybridRetrieverTest {
  private static final Map<String, Integer> ORDER = Map.of("a", 0, "b", 1, "c", 2, "d", 3);
  private static final List<ScoredDocument> DENSE = List.of(doc("a", 10), doc("b", 5), doc("c", 0));
  private static final List<ScoredDocument> LEXICAL = List.of(doc("c", 3), doc("d", 1));

  @Test
  void fusesMinMaxNormalisedScoresAndBreaksTiesByCorpusOrder() {
    // Neither list was cut, so a document missing from one scores 0 there.
    // dense over a, b, c, d: 10, 5, 0, 0 -> 1, 0.5, 0, 0; lexical: 0, 0, 3, 1 -> 0, 0, 1, 1/3
    // fused at 0.5: a 0.5, b 0.25, c 0.5, d 1/6
    assertEquals(List.of(doc("a", 0.5f), doc("c", 0.5f), doc("b", 0.25f), doc("d", 1 / 6f)),
        HybridRetriever.fuse(DENSE, LEXICAL, 0.5, 10, ORDER));
    assertEquals(List.of("a", "c"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 0.5, 2, ORDER)), "the top k");
    assertEquals(List.of("a", "b", "c", "d"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 1, 10, ORDER)),
        "weight 1: the dense ranking, then the rest in corpus order");
    assertEquals(List.of("c", "d", "a", "b"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 0, 10, ORDER)),
        "weight 0: the lexical ranking first");
  }

  @Test
  void zScoresPutBothSidesOnTheirSpreadOverTheCandidates() {
    // dense 10, 5, 0, 0: mean 3.75, std sqrt(17.1875); lexical 0, 0, 3, 1: mean 1, std sqrt(1.5)
    HybridRetriever.Fusion half = new HybridRetriever.Fusion(HybridRetriever.Normalization.Z_SCORE, 0.5);
    List<ScoredDocument> fused = HybridRetriever.fuse(DENSE, LEXICAL, half, 10, ORDER);
    double ds = Math.sqrt(17.1875);
    double ls = Math.sqrt(1.5);
    assertEquals(List.of("c", "a", "b", "d"), ids(fused));
    assertEquals(0.5 * (0 - 3.75) / ds + 0.5 * (3 - 1) / ls, fused.get(0).score(), 1e-6);
    assertEquals(0.5 * (10 - 3.75) / ds + 0.5 * (0 - 1) / ls, fused.get(1).score(), 1e-6);
    assertEquals(0.5 * (5 - 3.75) / ds + 0.5 * (0 - 1) / ls, fused.get(2).score(), 1e-6);
    assertEquals(0.5 * (0 - 3.75) / ds + 0.5 * (1 - 1) / ls, fused.get(3).score(), 1e-6);
    assertEquals("z-score, dense weight 0.50", half.describe());
    assertThrows(IllegalArgumentException.class,
        () -> new HybridRetriever.Fusion(HybridRetriever.Normalization.Z_SCORE, -0.1));
  }

  @Test
  void candidatesComeFromTheTopOfEachListAndTheirScoresFromTheWholeDepth() {
    // Depth 4, candidates 2: "x" is a lexical candidate and ranks 3rd of dense's cut list, so it counts
    // its dense score 4 there; "y" is a dense candidate missing from the cut lexical list, so it scores
    // that list's lowest, 1; "w" is in no list's top 2 and is not a candidate.
    List<ScoredDocument> dense = List.of(doc("a", 10), doc("y", 9), doc("x", 4), doc("w", 0));
    List<ScoredDocument> lexical = List.of(doc("x", 5), doc("b", 3), doc("w", 2), doc("c", 1));
    Map<String, Integer> order = Map.of("a", 0, "b", 1, "c", 2, "w", 3, "x", 4, "y", 5);
    HybridRetriever.Fusion half = new HybridRetriever.Fusion(HybridRetriever.Normalization.MIN_MAX, 0.5);
    List<ScoredDocument> fused = HybridRetriever.fuse(dense, lexical, half, 10, order, 2, 4);
    // candidates a, y, x, b; dense 10, 9, 4, 0 (b missing from a cut list: its lowest, 0)
    //   -> 1, 0.9, 0.4, 0; lexical 1, 1, 5, 3 (a and y missing: the lowest, 1) -> 0, 0, 1, 0.5
    assertEquals(List.of(doc("x", 0.7f), doc("a", 0.5f), doc("y", 0.45f), doc("b", 0.25f)), fused);
  }

  @Test
  void aListWithEqualScoresCountsEachOfItsDocumentsFully() {
    List<ScoredDocument> flat = List.of(doc("b", 2), doc("d", 2));
    assertEquals(List.of(doc("b", 1f), doc("d", 1f), doc("a", 0f)),
        HybridRetriever.fuse(List.of(doc("a", 7)), flat, 0.0, 3, ORDER));
    assertEquals(List.of(doc("a", 1f)), HybridRetriever.fuse(List.of(doc("a", 7)), List.of(), 1.0, 3, ORDER));
  }

  @Test
  void tuningOnAnotherSplitPicksAWeightAtLeastAsGoodAsEitherAlone() {
    BeirDataset dataset = TinyDatasets.packages();
    try (DenseIndex dense = DenseIndex.build(new HashedBagOfWordsModel(16), dataset.corpus());
        Bm25Index bm25 = Bm25Index.build(dataset.corpus())) {
      HybridTuning.Choice choice = HybridTuning.tune(dataset, "train", dense, bm25, 0);
      assertTrue(choice.weight() >= 0 && choice.weight() <= 1);
      assertEquals("train", choice.split());
      double chosen = choice.metrics().recallAt10() + choice.metrics().mrrAt10();
      assertTrue(chosen >= choice.lexical().recallAt10() + choice.lexical().mrrAt10(), "weight 0 is among those tried");
      try (HybridRetriever hybrid = HybridRetriever.of(dense, bm25, choice.weight(), dataset.corpus())) {
        assertEquals(dataset.corpus().size(), hybrid.search("terminal multiplexer", 100).size(),
            "every document the two rank, and both rank the whole tiny corpus");
      }
      assertTrue(bm25.search("terminal multiplexer", 1).size() == 1, "closing the hybrid leaves its parts open");
      assertThrows(IllegalArgumentException.class, () -> HybridTuning.tune(dataset, "dev", dense, bm25, 0));
      assertThrows(IllegalArgumentException.class, () -> HybridRetriever.of(dense, bm25, 1.5, dataset.corpus()));
    }
  }

  private static ScoredDocument doc(String id, float score) {
    return new ScoredDocument(id, score);
  }

  private static List<String> ids(List<ScoredDocument> ranking) {
    return ranking.stream().map(ScoredDocument::id).toList();
  }
}
