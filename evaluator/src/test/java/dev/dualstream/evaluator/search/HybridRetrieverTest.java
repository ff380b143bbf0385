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
    // a: 0.5 * 1 = 0.5; b: 0.5 * 0.5 = 0.25; c: 0.5 * 0 + 0.5 * 1 = 0.5; d: 0.5 * 0 = 0
    assertEquals(List.of(doc("a", 0.5f), doc("c", 0.5f), doc("b", 0.25f), doc("d", 0f)),
        HybridRetriever.fuse(DENSE, LEXICAL, 0.5, 10, ORDER));
    assertEquals(List.of("a", "c"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 0.5, 2, ORDER)), "the top k");
    assertEquals(List.of("a", "b", "c", "d"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 1, 10, ORDER)),
        "weight 1: the dense ranking, then the rest in corpus order");
    assertEquals(List.of("c", "a", "b", "d"), ids(HybridRetriever.fuse(DENSE, LEXICAL, 0, 10, ORDER)),
        "weight 0: the lexical ranking first");
  }

  @Test
  void zScoresPutBothListsOnTheirSpreadAndGiveMissingDocumentsTheListsLowest() {
    // dense 10, 5, 0: mean 5, std 4.08 -> a 1.22, b 0, c -1.22; lexical 3, 1: mean 2, std 1 -> c 1, d -1
    // missing: b and a score the lexical list's lowest (-1), d the dense list's lowest (-1.22)
    HybridRetriever.Fusion half = new HybridRetriever.Fusion(HybridRetriever.Normalization.Z_SCORE, 0.5);
    List<ScoredDocument> fused = HybridRetriever.fuse(DENSE, LEXICAL, half, 10, ORDER);
    assertEquals(List.of("a", "c", "b", "d"), ids(fused));
    double z = 5 / Math.sqrt(50.0 / 3);
    assertEquals(0.5 * z - 0.5, fused.get(0).score(), 1e-6);
    assertEquals(-0.5 * z + 0.5, fused.get(1).score(), 1e-6);
    assertEquals(-0.5, fused.get(2).score(), 1e-6);
    assertEquals(-0.5 * z - 0.5, fused.get(3).score(), 1e-6);
    assertEquals("z-score, dense weight 0.50", half.describe());
    assertThrows(IllegalArgumentException.class,
        () -> new HybridRetriever.Fusion(HybridRetriever.Normalization.Z_SCORE, -0.1));
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
