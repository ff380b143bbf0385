package dev.dualstream.trainer.feature;

import java.util.Arrays;

/**
 * Hashes tagged feature texts the way {@link Featurizer#id} does, murmur3_32 over the UTF-8 bytes
 * of tag + text, without building the text or its bytes: characters are encoded straight into a
 * reused buffer. A document has a few hundred features and featurizing it was the largest cost of
 * the training job's decoding; the strings and byte arrays per feature were most of that cost.
 *
 * <p>Encodes exactly as {@link String#getBytes} with UTF-8 does, including its replacement of an
 * unpaired surrogate by {@code '?'}, so that every id stays what it was. Not thread-safe: one per
 * featurization.
 */
final class FeatureHash {

  private static final byte REPLACEMENT = '?';

  private final FeatureSpec spec;
  private byte[] buffer = new byte[64];
  private int length;

  FeatureHash(FeatureSpec spec) {
    this.spec = spec;
  }

  /** The id of a word unigram. */
  int word(FeatureKind kind, String word) {
    start(kind);
    chars(word);
    return id();
  }

  /** The id of the word bigram {@code first + " " + second}. */
  int bigram(FeatureKind kind, String first, String second) {
    start(kind);
    chars(first);
    put((byte) ' ');
    chars(second);
    return id();
  }

  /** The id of the text of {@code count} code points of {@code codePoints} from {@code from}. */
  int codePoints(FeatureKind kind, int[] codePoints, int from, int count) {
    start(kind);
    for (int i = from; i < from + count; i++) {
      codePoint(codePoints[i]);
    }
    return id();
  }

  private void start(FeatureKind kind) {
    length = 0;
    chars(kind.tag());
  }

  private int id() {
    int hash = Murmur3.hash32(buffer, length, spec.seed());
    return 1 + Integer.remainderUnsigned(hash, spec.buckets());
  }

  private void chars(String s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        put((byte) c);
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        codePoint(Character.toCodePoint(c, s.charAt(++i)));
      } else {
        codePoint(c);
      }
    }
  }

  private void codePoint(int cp) {
    if (cp < 0x80) {
      put((byte) cp);
    } else if (cp < 0x800) {
      put((byte) (0xc0 | cp >> 6));
      put((byte) (0x80 | cp & 0x3f));
    } else if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
      put(REPLACEMENT);
    } else if (cp < 0x10000) {
      put((byte) (0xe0 | cp >> 12));
      put((byte) (0x80 | cp >> 6 & 0x3f));
      put((byte) (0x80 | cp & 0x3f));
    } else {
      put((byte) (0xf0 | cp >> 18));
      put((byte) (0x80 | cp >> 12 & 0x3f));
      put((byte) (0x80 | cp >> 6 & 0x3f));
      put((byte) (0x80 | cp & 0x3f));
    }
  }

  private void put(byte b) {
    if (length == buffer.length) {
      buffer = Arrays.copyOf(buffer, 2 * buffer.length);
    }
    buffer[length++] = b;
  }
}
