package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.feature.Featurizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The feature memo gives exactly the ids featurizing gives, whatever it has evicted; stays within
 * its byte budget; evicts the least recently used text first; and counts hits and misses.
 */
class FeatureMemoTest {
  private static final Featurizer FEATURIZER = new Featurizer(FeatureSpec.defaults());

  @Test
  void idsAreThoseOfTheFeaturizerForRepeatedTextsUnderEviction() {
    Random random = new Random(11);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      texts.add(randomText(random, 3 + random.nextInt(60)));
    }
    // A budget of a few dozen entries: most lookups of a skewed stream hit, and many evict.
    FeatureMemo memo = new FeatureMemo(40_000);
    for (int i = 0; i < 5_000; i++) {
      String title = texts.get(skewed(random, texts.size()));
      String text = texts.get(skewed(random, texts.size()));
      String query = texts.get(skewed(random, texts.size()));
      assertArrayEquals(FEATURIZER.document(title, text), memo.document(title, text, () -> FEATURIZER.document(title, text)));
      assertArrayEquals(FEATURIZER.query(query), memo.query(query, () -> FEATURIZER.query(query)));
      assertTrue(memo.bytes() <= 40_000, "over budget: " + memo.bytes());
    }
    assertTrue(memo.hits() > 0 && memo.misses() > 0, memo.hits() + " hits, " + memo.misses() + " misses");
    assertEquals(10_000, memo.hits() + memo.misses());
  }

  @Test
  void aQueryAndADocumentWithTheSameTextAreKeptApart() {
    FeatureMemo memo = new FeatureMemo(1 << 20);
    int[] query = memo.query("perl json parser", () -> FEATURIZER.query("perl json parser"));
    int[] document = memo.document("perl json parser", null, () -> FEATURIZER.document("perl json parser", null));
    assertArrayEquals(FEATURIZER.query("perl json parser"), query);
    assertArrayEquals(FEATURIZER.document("perl json parser", null), document);
    assertEquals(2, memo.misses());
    // title + text is not the same key as another split of the same characters
    memo.document("perl", "json parser", () -> FEATURIZER.document("perl", "json parser"));
    assertEquals(3, memo.misses());
  }

  @Test
  void theLeastRecentlyUsedTextLeavesFirst() {
    AtomicInteger computed = new AtomicInteger();
    int[] ids = new int[10];
    // each entry: 120 overhead + 40 + 2 x 1 char + 40 ids bytes = 202; room for three
    FeatureMemo memo = new FeatureMemo(3 * 202);
    memo.query("a", () -> count(computed, ids));
    memo.query("b", () -> count(computed, ids));
    memo.query("c", () -> count(computed, ids));
    memo.query("a", () -> count(computed, ids)); // hit; b is now the eldest
    memo.query("d", () -> count(computed, ids)); // evicts b
    assertEquals(4, computed.get());
    assertEquals(3, memo.size());
    memo.query("a", () -> count(computed, ids));
    memo.query("c", () -> count(computed, ids));
    memo.query("d", () -> count(computed, ids));
    assertEquals(4, computed.get(), "a, c and d stayed");
    memo.query("b", () -> count(computed, ids));
    assertEquals(5, computed.get(), "b was evicted");
    assertEquals(4.0 / 9, memo.hitRate(), 1e-12);
  }

  @Test
  void aZeroBudgetRemembersNothing() {
    AtomicInteger computed = new AtomicInteger();
    FeatureMemo memo = new FeatureMemo(0);
    for (int i = 0; i < 3; i++) {
      memo.query("same", () -> count(computed, new int[] {1}));
    }
    assertEquals(3, computed.get());
    assertEquals(0, memo.size());
    assertEquals(0, memo.hitRate());
  }

  @Test
  void aNegativeBudgetIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FeatureMemo(-1));
    assertTrue(e.getMessage().contains("0 or more"), e.getMessage());
  }

  private static int[] count(AtomicInteger computed, int[] ids) {
    computed.incrementAndGet();
    return ids;
  }

  /** Index in {@code [0, n)}, small ones far more often, as clicks on popular documents. */
  private static int skewed(Random random, int n) {
    return (int) Math.min(n - 1, Math.floor(Math.pow(random.nextDouble(), 3) * n));
  }

  private static String randomText(Random random, int words) {
    String[] vocabulary = {"perl", "json", "parser", "library", "python", "gtk", "daemon", "for", "the", "x11",
        "Ünicode", "fonts", "utility", "kernel", "module", "2.0", "haskell", "ruby", "tools", "data"};
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append(i == 0 ? "" : random.nextBoolean() ? " " : ", ").append(vocabulary[random.nextInt(vocabulary.length)]);
    }
    return text.toString();
  }
}
