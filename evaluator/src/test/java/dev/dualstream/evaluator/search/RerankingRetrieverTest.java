package dev.dualstream.evaluator.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dualstream.evaluator.testing.HashedBagOfWordsModel;
import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RerankingRetrieverTest {

  /**
   * A scorer that reverses the first stage's order re-ranks exactly the first stage's top documents, worst
   * first: nothing from below the depth comes in, and each document is scored from its own vector.
   */
  @Test
  void reRanksOnlyTheFirstStagesTopDocuments() {
    Random random = new Random(3);
    List<DocumentText> corpus = DenseIndexTest.randomCorpus(random, 300);
    List<String> queries = List.of(DenseIndexTest.randomText(random, 3), DenseIndexTest.randomText(random, 3));
    try (DenseIndex index = DenseIndex.build(new HashedBagOfWordsModel(32), corpus)) {
      RerankingRetriever.PairScorer negatedDot = (text, q, ids, docs) -> {
        double[] s = new double[docs.length];
        for (int d = 0; d < docs.length; d++) {
          for (int k = 0; k < q.length; k++) {
            s[d] -= q[k] * docs[d][k];
          }
        }
        return s;
      };
      RerankingRetriever reranker = new RerankingRetriever(index, 20, negatedDot);
      List<List<ScoredDocument>> firstStage = index.search(queries, 20);
      List<List<ScoredDocument>> reranked = reranker.search(queries, 10);
      for (int q = 0; q < queries.size(); q++) {
        List<ScoredDocument> top = firstStage.get(q);
        List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, 20).boxed().toList());
        // Lowest first stage score first; ties keep the first stage's order.
        order.sort(java.util.Comparator.comparingDouble((Integer r) -> top.get(r).score()).thenComparing(r -> r));
        List<String> expected = order.subList(0, 10).stream().map(r -> top.get(r).id()).toList();
        List<String> got = reranked.get(q).stream().map(ScoredDocument::id).toList();
        assertEquals(expected, got, "query " + q);
        assertEquals(-top.get(order.get(0)).score(), reranked.get(q).get(0).score(), 1e-4);
      }
    }
  }

  @Test
  void aDepthBelowOneIsRefused() {
    try (DenseIndex index = DenseIndex.build(new HashedBagOfWordsModel(8),
        DenseIndexTest.randomCorpus(new Random(1), 5))) {
      assertThrows(IllegalArgumentException.class, () -> new RerankingRetriever(index, 0, (t, q, ids, d) -> new double[0]));
    }
  }
}
