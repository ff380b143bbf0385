package dev.dualstream.trainer.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FeaturizerTest {

  private static final Featurizer DEFAULT = new Featurizer(FeatureSpec.defaults());

  private static Featurizer only(FeatureKind kind, int buckets) {
    return new Featurizer(new FeatureSpec(buckets, List.of(kind), FeatureSpec.MURMUR3_32,
        FeatureSpec.DEFAULT_SEED, 64, 128));
  }

  @Test
  void idsStayInOneToBucketsForRandomText() {
    Random random = new Random(7);
    Featurizer small = new Featurizer(FeatureSpec.withBuckets(97, 64, 128));
    for (int i = 0; i < 300; i++) {
      String text = randomText(random, 1 + random.nextInt(40));
      for (int id : small.document("t", text)) {
        assertTrue(id >= 1 && id <= 97, "id " + id + " for " + text);
      }
    }
  }

  @Test
  void sameTextGivesSameIdsAcrossInstancesAndSerialization() throws Exception {
    String text = "Perf utilities for Go (library) with ÜNICODE and 123 digits";
    Featurizer copy = roundTrip(new Featurizer(FeatureSpec.defaults()));
    assertArrayEquals(DEFAULT.query(text), copy.query(text));
    assertArrayEquals(DEFAULT.document("title", text), copy.document("title", text));
  }

  /**
   * Ids pinned with the default spec (checked against an independent murmur3_32); a change here
   * invalidates every saved model.
   */
  @Test
  void idsArePinnedSoModelsStayValidAcrossVersions() {
    assertArrayEquals(
        new int[] {152977, 1022140, 496137, 875525, 9564, 741629, 66630, 760907, 824078, 20886,
            223595, 944579, 397754},
        DEFAULT.query("Hello, World"));
    assertEquals(152977, DEFAULT.id(FeatureKind.WORD_UNIGRAM, "hello"));
    assertEquals(496137, DEFAULT.id(FeatureKind.CHAR_TRIGRAM, "#he"));
    assertEquals(397754, DEFAULT.id(FeatureKind.WORD_BIGRAM, "hello world"));
  }

  @Test
  void trigramsCarryWordBoundaryMarks() {
    Featurizer tri = only(FeatureKind.CHAR_TRIGRAM, 1 << 20);
    assertArrayEquals(
        new int[] {tri.id(FeatureKind.CHAR_TRIGRAM, "#ab"), tri.id(FeatureKind.CHAR_TRIGRAM, "abc"),
            tri.id(FeatureKind.CHAR_TRIGRAM, "bc#")},
        tri.query("abc"));
    assertArrayEquals(new int[] {tri.id(FeatureKind.CHAR_TRIGRAM, "#a#")}, tri.query("A"));
  }

  @Test
  void unigramsAreLowerCasedWordsSplitOnNonAlphanumerics() {
    Featurizer uni = only(FeatureKind.WORD_UNIGRAM, 1 << 20);
    assertArrayEquals(
        new int[] {
          uni.id(FeatureKind.WORD_UNIGRAM, "libfoo"),
          uni.id(FeatureKind.WORD_UNIGRAM, "dev"),
          uni.id(FeatureKind.WORD_UNIGRAM, "x86")
        },
        uni.query("LibFoo-dev (x86)"));
    assertEquals(List.of("gr\u00fc\u00dfe", "caf\u00e9"),
        Featurizer.words("Gr\u00fc\u00dfe, CAF\u00c9!"));
  }

  @Test
  void bigramsJoinAdjacentWords() {
    Featurizer bi = only(FeatureKind.WORD_BIGRAM, 1 << 20);
    assertArrayEquals(
        new int[] {bi.id(FeatureKind.WORD_BIGRAM, "a b"), bi.id(FeatureKind.WORD_BIGRAM, "b c")},
        bi.query("a b c"));
    assertEquals(0, bi.query("single").length);
  }

  @Test
  void kindsDoNotCollideOnTheSameText() {
    assertTrue(DEFAULT.id(FeatureKind.WORD_UNIGRAM, "abc")
        != DEFAULT.id(FeatureKind.CHAR_TRIGRAM, "abc"));
  }

  @Test
  void duplicatesAreDroppedAndPaddingNeverAppears() {
    int[] ids = DEFAULT.query("the the the");
    assertEquals(ids.length, IntStream.of(ids).distinct().count());
    assertTrue(IntStream.of(ids).noneMatch(id -> id == 0));
    assertEquals(0, DEFAULT.query("").length);
    assertEquals(0, DEFAULT.query(" ,;- ").length);
    assertEquals(0, DEFAULT.query(null).length);
  }

  @Test
  void queriesAndDocumentsRespectTheirLimits() {
    String longText = randomText(new Random(3), 400);
    assertEquals(64, DEFAULT.query(longText).length);
    assertEquals(128, DEFAULT.document("title", longText).length);
  }

  @Test
  void documentIsTitleSpaceTextWithUnigramsThenTrigramsThenBigrams() {
    Featurizer featurizer = new Featurizer(FeatureSpec.defaults());
    assertArrayEquals(featurizer.features("zlib compression library", 128),
        featurizer.document("zlib", "compression library"));
    int[] ids = featurizer.document("zlib", "compression library");
    assertEquals(featurizer.id(FeatureKind.WORD_UNIGRAM, "zlib"), ids[0]);
    assertEquals(featurizer.id(FeatureKind.WORD_UNIGRAM, "library"), ids[2]);
    assertEquals(featurizer.id(FeatureKind.CHAR_TRIGRAM, "#zl"), ids[3]);
    assertEquals(featurizer.id(FeatureKind.WORD_BIGRAM, "compression library"),
        ids[ids.length - 1]);
  }

  @Test
  void concurrentUseGivesTheSameIds() {
    List<String> texts = new ArrayList<>();
    Random random = new Random(11);
    for (int i = 0; i < 200; i++) {
      texts.add(randomText(random, 30));
    }
    List<int[]> sequential = texts.stream().map(DEFAULT::query).toList();
    List<int[]> parallel = texts.parallelStream().map(DEFAULT::query).toList();
    for (int i = 0; i < texts.size(); i++) {
      assertArrayEquals(sequential.get(i), parallel.get(i));
    }
  }

  @Test
  void rejectsNonPositiveLimit() {
    assertThrows(IllegalArgumentException.class, () -> DEFAULT.features("x", 0));
  }

  /**
   * The featurizer hashes without building each feature's text; its ids must be those of building
   * the text and hashing its UTF-8 bytes ({@link Featurizer#id}), for any text: accents, other
   * scripts, characters outside the BMP, unpaired surrogates, and every kind order and id limit.
   */
  @Test
  void idsEqualThoseOfHashingEachFeaturesTextForAnyText() {
    Random random = new Random(29);
    String[] pieces = {"perl", "Ünicode", "naïve", "日本語", "mañana", "x11", "ПРИВЕТ", "\uD83D\uDE00ok",
        "a\uD800b", "\uDC00", "z\uDBFF", "ß", "İstanbul", "-", ", ", "  ", "2.0", "\u00e9t\u00e9",
        "\uD840\uDC00\uD840\uDC01x", "\uD835\uDC00\uD835\uDC01"}; // letters outside the BMP
    List<List<FeatureKind>> orders = List.of(FeatureSpec.DEFAULT_KINDS,
        List.of(FeatureKind.WORD_BIGRAM, FeatureKind.CHAR_TRIGRAM, FeatureKind.WORD_UNIGRAM),
        List.of(FeatureKind.CHAR_TRIGRAM));
    for (int t = 0; t < 2_000; t++) {
      StringBuilder text = new StringBuilder();
      int n = 1 + random.nextInt(30);
      for (int i = 0; i < n; i++) {
        text.append(pieces[random.nextInt(pieces.length)]).append(random.nextInt(3) == 0 ? "" : " ");
      }
      List<FeatureKind> kinds = orders.get(t % orders.size());
      int buckets = random.nextBoolean() ? FeatureSpec.DEFAULT_BUCKETS : 1 + random.nextInt(5_000);
      Featurizer featurizer = new Featurizer(new FeatureSpec(buckets, kinds, FeatureSpec.MURMUR3_32,
          random.nextInt(), 64, 128));
      int maxIds = 1 + random.nextInt(200);
      assertArrayEquals(reference(featurizer, text.toString(), maxIds), featurizer.features(text.toString(), maxIds),
          "text '" + text + "', kinds " + kinds + ", max " + maxIds);
    }
  }

  /** The featurizer's documented algorithm, spelled out with strings and {@link Featurizer#id}. */
  private static int[] reference(Featurizer featurizer, String text, int maxIds) {
    List<String> words = Featurizer.words(text);
    List<Integer> ids = new ArrayList<>();
    for (FeatureKind kind : featurizer.spec().kinds()) {
      List<String> features = new ArrayList<>();
      switch (kind) {
        case WORD_UNIGRAM -> features.addAll(words);
        case WORD_BIGRAM -> IntStream.range(0, Math.max(0, words.size() - 1))
            .forEach(i -> features.add(words.get(i) + " " + words.get(i + 1)));
        case CHAR_TRIGRAM -> words.forEach(w -> {
          int[] cps = ("#" + w + "#").codePoints().toArray();
          for (int i = 0; i + 3 <= cps.length; i++) {
            features.add(new String(cps, i, 3));
          }
        });
        default -> throw new IllegalStateException();
      }
      for (String feature : features) {
        int id = featurizer.id(kind, feature);
        if (ids.size() < maxIds && !ids.contains(id)) {
          ids.add(id);
        }
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private static String randomText(Random random, int words) {
    StringBuilder out = new StringBuilder();
    for (int w = 0; w < words; w++) {
      int length = 1 + random.nextInt(9);
      for (int c = 0; c < length; c++) {
        out.append((char) ('a' + random.nextInt(26)));
      }
      out.append(random.nextInt(5) == 0 ? ", " : " ");
    }
    return out.toString();
  }

  private static Featurizer roundTrip(Featurizer featurizer)
      throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(featurizer);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (Featurizer) in.readObject();
    }
  }
}
