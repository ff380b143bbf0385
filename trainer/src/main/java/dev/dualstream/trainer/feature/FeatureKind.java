package dev.dualstream.trainer.feature;

/**
 * One kind of hashed feature. Each kind hashes its text behind its own tag, so the same string as a
 * word and as a trigram ("abc") lands in different buckets.
 */
public enum FeatureKind {
  /** A lower-cased word, hashed as {@code "w:" + word}. */
  WORD_UNIGRAM("w:"),
  /** Two adjacent words, hashed as {@code "b:" + first + " " + second}. */
  WORD_BIGRAM("b:"),
  /**
   * Three adjacent characters of a word padded with {@code '#'} at both ends, hashed as {@code
   * "c:" + trigram}; "abc" gives "#ab", "abc", "bc#", and "a" gives "#a#".
   */
  CHAR_TRIGRAM("c:");

  private final String tag;

  FeatureKind(String tag) {
    this.tag = tag;
  }

  /** The prefix hashed in front of the feature's text. */
  public String tag() {
    return tag;
  }
}
