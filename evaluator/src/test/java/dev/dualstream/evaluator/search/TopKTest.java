package dev.dualstream.evaluator.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKTest {

  @Test
  void keepsTheBestKLikeAFullSort() {
    for (long seed = 0; seed < 200; seed++) {
      Random random = new Random(seed);
      int n = random.nextInt(300);
      int k = 1 + random.nextInt(50);
      float[] scores = fewDistinctScores(random, n);
      int[] offerOrder = IntStream.range(0, n).toArray();
      shuffle(offerOrder, random);

      TopK top = new TopK(k);
      for (int doc : offerOrder) {
        top.offer(scores[doc], doc);
      }
      float[] gotScores = new float[top.size()];
      int[] got = top.drainBestFirst(gotScores);

      int[] expected = IntStream.range(0, n).boxed()
          .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
          .limit(k).mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, got, "seed " + seed);
      for (int i = 0; i < got.length; i++) {
        assertEquals(scores[got[i]], gotScores[i]);
      }
    }
  }

  @Test
  void offerAllMatchesOneOfferAtATimeForAnOrderedScan() {
    for (long seed = 0; seed < 200; seed++) {
      Random random = new Random(seed);
      int n = random.nextInt(300);
      int k = 1 + random.nextInt(50);
      float[] scores = fewDistinctScores(random, n);
      TopK one = new TopK(k);
      TopK chunked = new TopK(k);
      for (int start = 0; start < n; ) {
        int count = Math.min(n - start, 1 + random.nextInt(40));
        for (int i = start; i < start + count; i++) {
          one.offer(scores[i], i);
        }
        float[] padded = new float[count + 3];
        System.arraycopy(scores, start, padded, 3, count);
        chunked.offerAll(padded, 3, count, start);
        start += count;
      }
      float[] oneScores = new float[one.size()];
      float[] chunkedScores = new float[chunked.size()];
      assertArrayEquals(one.drainBestFirst(oneScores), chunked.drainBestFirst(chunkedScores), "seed " + seed);
      assertArrayEquals(oneScores, chunkedScores, "seed " + seed);
    }
  }

  /** Few distinct values, so ties are frequent and their order is checked too. */
  private static float[] fewDistinctScores(Random random, int n) {
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      scores[i] = random.nextInt(20) / 4f;
    }
    return scores;
  }

  private static void shuffle(int[] values, Random random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
    assertEquals(values.length, Arrays.stream(values).distinct().count());
  }
}
