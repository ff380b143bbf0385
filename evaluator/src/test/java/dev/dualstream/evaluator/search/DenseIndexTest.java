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
  void kernelsComputeEveryDotProductAndAgreeBitForBit() {
    Random random = new Random(3);
    int panel = ScoreKernel.PANEL;
    int queryCount = ScoreKernel.QUERIES;
    for (int dimension : new int[] {1, 7, 64, 129}) {
      float[] queries = new float[queryCount * dimension + 2];
      float[] documents = new float[panel * dimension];
      float[] panels = new float[panel * dimension + 5];
      for (int i = 0; i < queries.length; i++) {
        queries[i] = random.nextFloat() * 2 - 1;
      }
      for (int i = 0; i < panel; i++) {
        for (int j = 0; j < dimension; j++) {
          documents[i * dimension + j] = random.nextFloat() * 2 - 1;
          panels[5 + j * panel + i] = documents[i * dimension + j];
        }
      }
      float[] scalar = new float[queryCount * panel];
      float[] chosen = new float[queryCount * panel];
      new ScoreKernel.Scalar().score(queries, 2, panels, 5, dimension, scalar);
      ScoreKernel.forThisJvm().score(queries, 2, panels, 5, dimension, chosen);
      for (int q = 0; q < queryCount; q++) {
        for (int i = 0; i < panel; i++) {
          double expected = 0;
          for (int j = 0; j < dimension; j++) {
            expected += (double) queries[2 + q * dimension + j] * documents[i * dimension + j];
          }
          String at = "dimension " + dimension + ", query " + q + ", document " + i;
          assertEquals(expected, scalar[q * panel + i], 1e-4, at);
          assertEquals(Float.floatToIntBits(scalar[q * panel + i]), Float.floatToIntBits(chosen[q * panel + i]), at);
        }
      }
    }
  }

  @Test
  void testJvmRunsTheSimdKernel() {
    // The build gives every test JVM the Vector API module, as the launcher does; without it exact
    // search silently falls back to the scalar kernel, several times slower.
    assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "jdk.incubator.vector not added");
    assertTrue(ScoreKernel.forThisJvm().name().startsWith("simd-"), ScoreKernel.forThisJvm().name());
  }

  private static List<String> bruteForce(HashedBagOfWordsModel model, List<DocumentText> corpus, String query, int k) {
    float[] q = model.embed(query);
    float[][] docs = model.embedDocuments(corpus);
    List<Integer> order = new ArrayList<>();
    float[] scores = new float[corpus.size()];
    for (int i = 0; i < corpus.size(); i++) {
      // Same float operations in the same order as the index's kernels, so ties compare exactly.
      float score = 0;
      for (int j = 0; j < q.length; j++) {
        score = Math.fma(docs[i][j], q[j], score);
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

  static List<DocumentText> randomCorpus(Random random, int size) {
    List<DocumentText> corpus = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      corpus.add(new DocumentText("d" + i, randomText(random, 2), randomText(random, 12)));
    }
    return corpus;
  }

  static String randomText(Random random, int words) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append("w").append(random.nextInt(300)).append(' ');
    }
    return text.toString();
  }
}
