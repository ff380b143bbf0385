package dev.dualstream.trainer.feature;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns text into hashed feature ids in {@code 1..buckets} (0 is reserved for padding).
 *
 * <p>Text is lower-cased ({@link Locale#ROOT}) and split into words, a word being a maximal run of
 * letters and digits. Features are emitted kind by kind in the spec's order (by default word
 * unigrams, then character trigrams, then word bigrams; see {@link FeatureSpec#DEFAULT_KINDS}),
 * each kind in text order; an id already emitted is skipped, and emission stops at the id limit.
 * Each feature's tagged text ({@link FeatureKind#tag()} + text) is hashed with murmur3_32 over its
 * UTF-8 bytes with the spec's seed, and its id is {@code 1 + (hash mod buckets)}, the hash read as
 * unsigned.
 *
 * <p>Why this order under a limit: a query is short and almost always keeps all its features. A
 * document (title, a space, then text) is long, and a fixed id budget keeps the cost of a training
 * step bounded. Unigrams carry the most meaning per id and the leading words (package name and
 * first sentence) say what a document is about, so all unigrams come first. Trigrams of the leading
 * words come next: they let a word never seen in training match through its spelling, which is
 * what a model trained on other documents needs most. Bigrams fill what is left. Duplicates are
 * dropped because the encoder mean-pools a set of ids, and a repeated id would spend budget
 * without adding a feature.
 *
 * <p>Immutable, thread-safe and serializable (Flink ships it to its tasks).
 */
public final class Featurizer implements Serializable {

  private static final long serialVersionUID = 1L;

  private final FeatureSpec spec;

  public Featurizer(FeatureSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public FeatureSpec spec() {
    return spec;
  }

  /** Ids of a query, at most {@link FeatureSpec#maxQueryIds()}. */
  public int[] query(String text) {
    return features(text, spec.maxQueryIds());
  }

  /**
   * Ids of a document, featurized from {@code title + " " + text}, at most {@link
   * FeatureSpec#maxDocIds()}.
   */
  public int[] document(String title, String text) {
    return features(nullToEmpty(title) + " " + nullToEmpty(text), spec.maxDocIds());
  }

  /** Ids of any text, at most {@code maxIds}, in emission order without duplicates. */
  public int[] features(String text, int maxIds) {
    if (maxIds < 1) {
      throw new IllegalArgumentException("maxIds must be at least 1, got " + maxIds);
    }
    List<String> words = words(nullToEmpty(text));
    IdCollector ids = new IdCollector(maxIds);
    FeatureHash hash = new FeatureHash(spec);
    for (FeatureKind kind : spec.kinds()) {
      if (ids.full()) {
        break;
      }
      switch (kind) {
        case WORD_UNIGRAM -> unigrams(words, ids, hash);
        case WORD_BIGRAM -> bigrams(words, ids, hash);
        case CHAR_TRIGRAM -> trigrams(words, ids, hash);
        default -> throw new IllegalStateException("unhandled feature kind " + kind);
      }
    }
    return ids.toArray();
  }

  /**
   * The id of one feature; exposed so tests and other languages can check the hashing. {@link
   * #features} computes the same ids without building the tagged text ({@link FeatureHash}).
   */
  public int id(FeatureKind kind, String featureText) {
    byte[] bytes = (kind.tag() + featureText).getBytes(StandardCharsets.UTF_8);
    int hash = Murmur3.hash32(bytes, spec.seed());
    return 1 + Integer.remainderUnsigned(hash, spec.buckets());
  }

  /** Lower-cased words: maximal runs of letters and digits. */
  static List<String> words(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<String> words = new ArrayList<>();
    int start = -1;
    int i = 0;
    while (i < lower.length()) {
      int cp = lower.codePointAt(i);
      boolean wordChar = Character.isLetterOrDigit(cp);
      if (wordChar && start < 0) {
        start = i;
      } else if (!wordChar && start >= 0) {
        words.add(lower.substring(start, i));
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      words.add(lower.substring(start));
    }
    return words;
  }

  private static void unigrams(List<String> words, IdCollector ids, FeatureHash hash) {
    for (int i = 0; i < words.size() && !ids.full(); i++) {
      ids.add(hash.word(FeatureKind.WORD_UNIGRAM, words.get(i)));
    }
  }

  private static void bigrams(List<String> words, IdCollector ids, FeatureHash hash) {
    for (int i = 0; i + 1 < words.size() && !ids.full(); i++) {
      ids.add(hash.bigram(FeatureKind.WORD_BIGRAM, words.get(i), words.get(i + 1)));
    }
  }

  /** Trigrams of code points of each word between boundary marks: {@code "#" + word + "#"}. */
  private static void trigrams(List<String> words, IdCollector ids, FeatureHash hash) {
    int[] cps = new int[16];
    for (int w = 0; w < words.size() && !ids.full(); w++) {
      String word = words.get(w);
      if (cps.length < word.length() + 2) {
        cps = new int[2 * (word.length() + 2)];
      }
      int n = 0;
      cps[n++] = '#';
      for (int i = 0; i < word.length(); ) {
        int cp = word.codePointAt(i);
        cps[n++] = cp;
        i += Character.charCount(cp);
      }
      cps[n++] = '#';
      for (int i = 0; i + 3 <= n && !ids.full(); i++) {
        ids.add(hash.codePoints(FeatureKind.CHAR_TRIGRAM, cps, i, 3));
      }
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /**
   * Distinct ids in insertion order, up to a limit. Ids are at least 1, so an open-addressing table
   * with 0 for empty tells seen ids apart in constant time: a document offers a few hundred features
   * for its 128 ids, and a scan of the ids kept so far per feature added up.
   */
  private static final class IdCollector {
    private final int[] ids;
    private final int[] seen;
    private int size;

    IdCollector(int max) {
      ids = new int[max];
      seen = new int[Integer.highestOneBit(Math.max(2, max)) << 2];
    }

    boolean full() {
      return size == ids.length;
    }

    void add(int id) {
      int mask = seen.length - 1;
      int slot = (id * 0x9e3779b9) >>> 16 & mask;
      while (seen[slot] != 0) {
        if (seen[slot] == id) {
          return;
        }
        slot = (slot + 1) & mask;
      }
      seen[slot] = id;
      ids[size++] = id;
    }

    int[] toArray() {
      return Arrays.copyOf(ids, size);
    }
  }
}
