package dev.dualstream.trainer.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Published MurmurHash3 x86_32 test vectors, so ids match every other murmur3_32. */
class Murmur3Test {

  private static int hash(String s, int seed) {
    return Murmur3.hash32(s.getBytes(StandardCharsets.ISO_8859_1), seed);
  }

  @Test
  void emptyInputDependsOnlyOnSeed() {
    assertEquals(0, hash("", 0));
    assertEquals(0x514E28B7, hash("", 1));
    assertEquals(0x81F16F39, hash("", 0xffffffff));
  }

  @Test
  void everyTailLengthMatchesReference() {
    assertEquals(0x2362F9DE, hash("\0\0\0\0", 0));
    assertEquals(0x5A97808A, hash("aaaa", 0x9747b28c));
    assertEquals(0x283E0130, hash("aaa", 0x9747b28c));
    assertEquals(0x5D211726, hash("aa", 0x9747b28c));
    assertEquals(0x7FA09EA6, hash("a", 0x9747b28c));
    assertEquals(0xF0478627, hash("abcd", 0x9747b28c));
    assertEquals(0xC84A62DD, hash("abc", 0x9747b28c));
    assertEquals(0x74875592, hash("ab", 0x9747b28c));
  }

  @Test
  void longerTextsMatchReference() {
    assertEquals(0x24884CBA, hash("Hello, world!", 0x9747b28c));
    assertEquals(0x2FA826CD, hash("The quick brown fox jumps over the lazy dog", 0x9747b28c));
  }
}
