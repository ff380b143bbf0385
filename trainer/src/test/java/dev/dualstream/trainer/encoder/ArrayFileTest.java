package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrayFileTest {

  @TempDir Path dir;

  @Test
  void mixedArraysLargerThanTheBufferRoundTrip() throws IOException {
    Random random = new Random(4);
    float[] floats = new float[700_001];
    int[] ints = new int[300_003];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < ints.length; i++) {
      ints[i] = random.nextInt();
    }
    Path file = dir.resolve("a.bin");
    try (ArrayFile.Writer out = ArrayFile.create(file)) {
      out.ints(1, 2, 3).floats(floats).ints(ints).floats(new float[] {Float.NaN, -0f});
    }
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      assertEquals(4L * (3 + floats.length + ints.length + 2), in.size());
      assertArrayEquals(new int[] {1, 2, 3}, in.ints(3));
      float[] readFloats = new float[floats.length];
      in.floats(readFloats);
      assertArrayEquals(floats, readFloats);
      assertArrayEquals(ints, in.ints(ints.length));
      float[] tail = new float[2];
      in.floats(tail);
      assertArrayEquals(new float[] {Float.NaN, -0f}, tail);
      assertThrows(IOException.class, () -> in.ints(1));
    }
  }

  @Test
  void askingForMoreIntsThanTheFileHoldsFailsBeforeAllocating() throws IOException {
    Path file = dir.resolve("short.i32");
    ArrayFile.create(file).ints(1, 2).close();
    try (ArrayFile.Reader in = ArrayFile.open(file)) {
      assertEquals(1, in.ints(1)[0]);
      IOException e = assertThrows(IOException.class, () -> in.ints(Integer.MAX_VALUE));
      assertEquals("file ends early: 2147483647 ints asked for, 4 bytes left", e.getMessage());
      assertThrows(IOException.class, () -> in.ints(-1));
      assertEquals(2, in.ints(1)[0]);
    }
  }

  @Test
  void scratchFilesHoldTheSameBytesAsSyncedOnes() throws IOException {
    float[] floats = new float[300_000];
    new Random(9).ints(floats.length).forEach(i -> floats[Math.floorMod(i, floats.length)] = i * 1e-6f);
    Path synced = dir.resolve("synced.bin");
    Path scratch = dir.resolve("scratch.bin");
    try (ArrayFile.Writer out = ArrayFile.create(synced, ArrayFile.Durability.SYNCED)) {
      out.ints(7, 8).floats(floats);
    }
    try (ArrayFile.Writer out = ArrayFile.create(scratch, ArrayFile.Durability.SCRATCH)) {
      out.ints(7, 8).floats(floats);
    }
    assertEquals(4L * (2 + floats.length), Files.size(scratch));
    assertArrayEquals(Files.readAllBytes(synced), Files.readAllBytes(scratch));
  }
}
