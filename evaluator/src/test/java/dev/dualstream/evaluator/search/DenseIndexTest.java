package dev.dualstream.evaluator.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.testing.HashedBagOfWordsModel;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.RetrievalModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseIndexTest {

  @Test
  void matchesBruteForceRanking() {
    Random random = new Random(7);
    List<DocumentText> corpus = randomCorpus(random, 1000);
    List<String> queries = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      queries.add(randomText(random, 3));
    }
    HashedBagOfWordsModel model = new HashedBagOfWordsModel(50);

    try (DenseIndex index = DenseIndex.build(model, corpus, 64, 3)) {
      assertEquals(1000, index.size());
      assertEquals((1000 + 63) / 64, model.documentCalls(), "documents embedded once, in batches");
      List<List<ScoredDocument>> results = index.search(queries, 25);
      assertEquals(queries.size(), results.size());
      for (int q = 0; q < queries.size(); q++) {
        assertEquals(bruteForce(model, corpus, queries.get(q), 25), ids(results.get(q)), "query " + q);
        List<ScoredDocument> ranked = results.get(q);
        for (int i = 1; i < ranked.size(); i++) {
          assertTrue(ranked.get(i - 1).score() >= ranked.get(i).score());
        }
      }
    }
    assertTrue(!model.closed(), "the index does not close the model it was given");
  }

  @Test
  void kLargerThanCorpusReturnsEveryDocument() {
    List<DocumentText> corpus = randomCorpus(new Random(1), 5);
    try (DenseIndex index = DenseIndex.build(new HashedBagOfWordsModel(16), corpus)) {
      assertEquals(5, index.search("anything", 100).size());
    }
  }

  @Test
  void rejectsRowsOfTheWrongShape() {
    RetrievalModel broken = new RetrievalModel() {
      @Override
      public int dimension() {
        return 8;
      }

      @Override
      public float[][] embedQueries(List<String> queries) {
        return new float[queries.size()][8];
      }

      @Override
      public float[][] embedDocuments(List<DocumentText> documents) {
        return new float[documents.size()][4];
      }

      @Override
      public String describe() {
        return "broken";
      }

      @Override
      public void close() {}
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DenseIndex.build(broken, randomCorpus(new Random(2), 3)));
    assertTrue(e.getMessage().contains("row of length 4, expected its dimension 8"), e.getMessage());
  }

  @Test
  void blockKernelComputesEveryDotProduct() {
    Random random = new Random(3);
    int dimension = 7;
    int block = DenseIndex.DOC_BLOCK;
    float[] query = new float[dimension + 2];
    float[] documents = new float[block * dimension];
    float[] blocks = new float[block * dimension + 5];
    for (int j = 0; j < dimension; j++) {
      query[j + 2] = random.nextFloat();
      for (int i = 0; i < block; i++) {
        documents[i * dimension + j] = random.nextFloat();
        blocks[5 + j * block + i] = documents[i * dimension + j];
      }
    }
    float[] scores = new float[block];
    DenseIndex.scoreAgainstBlock(query, 2, blocks, 5, dimension, scores);
    for (int i = 0; i < block; i++) {
      double expected = 0;
      for (int j = 0; j < dimension; j++) {
        expected += query[j + 2] * documents[i * dimension + j];
      }
      assertEquals(expected, scores[i], 1e-5, "document " + i);
    }
  }

  private static List<String> bruteForce(HashedBagOfWordsModel model, List<DocumentText> corpus, String query, int k) {
    float[] q = model.embed(query);
    float[][] docs = model.embedDocuments(corpus);
    List<Integer> order = new ArrayList<>();
    float[] scores = new float[corpus.size()];
    for (int i = 0; i < corpus.size(); i++) {
      // Same float operations in the same order as the index's kernel, so ties compare exactly.
      float score = 0;
      for (int j = 0; j < q.length; j++) {
        score += q[j] * docs[i][j];
      }
      scores[i] = score;
      order.add(i);
    }
    order.sort(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
    return order.subList(0, k).stream().map(i -> corpus.get(i).id()).toList();
  }

  private static List<String> ids(List<ScoredDocument> results) {
    return results.stream().map(ScoredDocument::id).toList();
  }

  private static List<DocumentText> randomCorpus(Random random, int size) {
    List<DocumentText> corpus = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      corpus.add(new DocumentText("d" + i, randomText(random, 2), randomText(random, 12)));
    }
    return corpus;
  }

  private static String randomText(Random random, int words) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append("w").append(random.nextInt(300)).append(' ');
    }
    return text.toString();
  }
}
