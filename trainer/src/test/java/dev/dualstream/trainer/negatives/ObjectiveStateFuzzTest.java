package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Hostile bytes for the negative objective's state ({@link ObjectiveState#decode}), restored into an
 * objective with every component ({@link StateWorld#ALL}): each input must restore a state that
 * encodes and restores to the same bytes again, or be refused with an {@link IllegalArgumentException}
 * (which {@code read} reports as an {@code IOException} naming the file). Anything else, a hang or
 * an out-of-memory is a finding.
 *
 * <p>The first byte picks the frame: even, the rest is the file as it is; odd, the rest is the
 * sections, given a valid header (format version 1 or 2 by the next bit) and CRC-32C, so that
 * mutations reach the section decoders instead of stopping at the checksum.
 */
class ObjectiveStateFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    byte[] bytes = (input[0] & 1) == 0 ? rest : frame(rest, 1 + ((input[0] >> 1) & 1));
    NegativeObjective objective = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    try {
      ObjectiveState.decode(bytes, objective);
    } catch (IllegalArgumentException refused) {
      return;
    }
    byte[] encoded = ObjectiveState.encode(objective);
    NegativeObjective again = StateWorld.blank(StateWorld.ALL, StateWorld.LOSS);
    ObjectiveState.decode(encoded, again);
    assertArrayEquals(encoded, ObjectiveState.encode(again), "a restored state restores to itself");
  }

  /** A state file of format {@code version} around {@code sections}. */
  static byte[] frame(byte[] sections, int version) {
    int length = 16 + sections.length + Integer.BYTES;
    ByteBuffer out = ByteBuffer.allocate(length);
    out.putInt(ObjectiveState.MAGIC).putInt(version).putLong(length).put(sections);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, length - Integer.BYTES);
    out.putInt((int) crc.getValue());
    return out.array();
  }
}
