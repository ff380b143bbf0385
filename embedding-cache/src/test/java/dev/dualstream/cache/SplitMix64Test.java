package dev.dualstream.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The generator draws what SplittableRandom draws, and its state alone continues it. */
class SplitMix64Test {

  @Test
  void drawsExactlyWhatSplittableRandomDraws() {
    for (long seed : new long[] {0, 42, -7, SplitMix64.mix64(17 ^ 0x2545f4914f6cdd1dL)}) {
      SplitMix64 ours = new SplitMix64(seed);
      SplittableRandom jdk = new SplittableRandom(seed);
      for (int i = 0; i < 2_000; i++) {
        int bound = 1 + (i * 7919) % 1_000;
        assertEquals(jdk.nextInt(bound), ours.nextInt(bound), "nextInt(" + bound + ") draw " + i);
        assertEquals(jdk.nextInt(1 << (i % 31)), ours.nextInt(1 << (i % 31)), "power-of-two bound, draw " + i);
        assertEquals(jdk.nextLong(), ours.nextLong(), "nextLong draw " + i);
        assertEquals(jdk.nextInt(), ours.nextInt(), "nextInt draw " + i);
      }
    }
  }

  @Test
  void aGeneratorResumedFromItsStateContinuesTheSequence() {
    SplitMix64 original = new SplitMix64(99);
    for (int i = 0; i < 10; i++) {
      original.nextInt(37);
    }
    SplitMix64 resumed = new SplitMix64(0);
    resumed.setState(original.state());
    for (int i = 0; i < 100; i++) {
      assertEquals(original.nextInt(1_000_003), resumed.nextInt(1_000_003));
    }
  }
}
