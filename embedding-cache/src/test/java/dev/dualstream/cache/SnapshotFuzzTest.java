package dev.dualstream.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Hostile snapshots for {@link NegativeCache#restore(byte[], long)}: each input must restore to a cache whose own
 * snapshot is the input again, or be refused with an {@link IllegalArgumentException}; any other exception, a hang
 * or an out-of-memory is a finding. The first byte picks the frame: even, the rest is the snapshot as it is; odd,
 * the rest is a body that gets a valid header and checksum, so mutations reach the body decoder.
 *
 * <p>{@code ./mvnw verify} replays {@code SnapshotFuzzTestInputs/restore}; {@code JAZZER_FUZZ=1} fuzzes it.
 */
class SnapshotFuzzTest {
  /** The bound a trainer passes is its configured cache's plan; 64 MiB keeps fuzzing fast. */
  private static final long BOUND = 64L << 20;

  @FuzzTest
  void restore(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    byte[] bytes = (input[0] & 1) == 0 ? rest : SnapshotFraming.frame(rest);
    NegativeCache cache;
    try {
      cache = NegativeCache.restore(bytes, BOUND);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertArrayEquals(bytes, cache.snapshot(), "a restored cache snapshots to the bytes it came from");
  }
}
