package dev.dualstream.trainer.negatives;

import java.util.random.RandomGenerator;

/**
 * The objective's random source: SplitMix64 (Steele, Lea, Flood, OOPSLA 2014), the algorithm of
 * {@link java.util.SplittableRandom}, written out because a checkpoint must capture the
 * generator's state and the JDK's generators do not expose theirs. Its whole state is one {@code
 * long}. {@link #nextInt()} and {@link #nextLong()} use SplittableRandom's finalisers, so a
 * generator started from state {@code s} draws exactly what {@code new SplittableRandom(s)} draws
 * (bounded draws included): replacing the JDK class changed no sampled negative.
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

  void setState(long state) {
    this.state = state;
  }

  @Override
  public long nextLong() {
    state += GOLDEN_GAMMA;
    return DocKeys.mix(state);
  }

  @Override
  public int nextInt() {
    state += GOLDEN_GAMMA;
    long z = state;
    z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
    return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
  }
}
