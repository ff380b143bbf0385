package dev.dualstream.trainer.feature;

/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, public domain), over bytes.
 *
 * <p>Implemented here rather than borrowed so that feature ids depend on nothing but this file: the
 * same bytes and seed give the same hash on every JVM and in any other language's murmur3_32 (for
 * example Python's {@code mmh3.hash(data, seed, signed=False)}).
 */
final class Murmur3 {

  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3() {}

  static int hash32(byte[] data, int seed) {
    return hash32(data, data.length, seed);
  }

  /** The hash of {@code data[0, length)}. */
  static int hash32(byte[] data, int length, int seed) {
    int h = seed;
    int blocks = length >>> 2;
    for (int i = 0; i < blocks; i++) {
      int at = i << 2;
      int k =
          (data[at] & 0xff)
              | (data[at + 1] & 0xff) << 8
              | (data[at + 2] & 0xff) << 16
              | (data[at + 3] & 0xff) << 24;
      h ^= mixK(k);
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int tail = blocks << 2;
    int remaining = length & 3;
    if (remaining > 0) {
      int k = 0;
      if (remaining == 3) {
        k ^= (data[tail + 2] & 0xff) << 16;
      }
      if (remaining >= 2) {
        k ^= (data[tail + 1] & 0xff) << 8;
      }
      k ^= data[tail] & 0xff;
      h ^= mixK(k);
    }
    h ^= length;
    return fmix(h);
  }

  private static int mixK(int k) {
    k *= C1;
    k = Integer.rotateLeft(k, 15);
    return k * C2;
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
