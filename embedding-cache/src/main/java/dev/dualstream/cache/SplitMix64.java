package dev.dualstream.cache;

import java.util.random.RandomGenerator;

/**
 * The cache's own random source: SplitMix64 (Steele, Lea, Flood, OOPSLA 2014), the generator behind
 * {@link java.util.SplittableRandom}. Written out here rather than borrowed because its whole state is one
 * {@code long} that a snapshot must capture, and the JDK's generators do not expose their state.
 */
final class SplitMix64 implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  SplitMix64(long state) {
    this.state = state;
  }

  long state() {
    return state;
  }

  @Override
  public long nextLong() {
    state += GOLDEN_GAMMA;
    return mix64(state);
  }

  /** Stafford's variant 13 finaliser; also a good hash for the key index. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
