package dev.dualstream.cache;

import java.util.random.RandomGenerator;

/**
 * SplitMix64 (Steele, Lea, Flood, OOPSLA 2014), the generator behind {@link
 * java.util.SplittableRandom}, with its whole state in one {@code long} that a checkpoint can
 * capture: the JDK's generators do not expose theirs. The cache draws its own Gumbel noise with one
 * (its state is part of {@link NegativeCache#snapshot()}); callers that pass their own generator to
 * {@link NegativeCache#sample(float[], long[], RandomGenerator)} and must checkpoint it can use one too.
 *
 * <p>{@link #nextLong()} and {@link #nextInt()} use SplittableRandom's finalisers, so a generator
 * started from state {@code s} draws exactly what {@code new SplittableRandom(s)} draws, bounded
 * draws included. Not thread-safe.
 */
public final class SplitMix64 implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  /** A generator at {@code state}; equal states give equal sequences. */
  public SplitMix64(long state) {
    this.state = state;
  }

  /** The whole state: {@link #setState} with it continues the sequence from here. */
  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  @Override
  public long nextLong() {
    state += GOLDEN_GAMMA;
    return mix64(state);
  }

  @Override
  public int nextInt() {
    state += GOLDEN_GAMMA;
    long z = state;
    z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
    return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
  }

  /** Stafford's variant 13 finaliser; also a good hash for the key index. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
