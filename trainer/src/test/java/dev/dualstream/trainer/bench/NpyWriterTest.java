package dev.dualstream.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

  @TempDir Path dir;

  @Test
  void writesAVersionOneHeaderAlignedTo64BytesThenLittleEndianRows() throws Exception {
    Path file = dir.resolve("ids.npy");
    NpyWriter.writeInt32(file, List.of(new int[] {7, 1 << 20}, new int[] {}, new int[] {-1}), 3);
    byte[] bytes = Files.readAllBytes(file);
    assertEquals((byte) 0x93, bytes[0]);
    assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
    assertEquals(1, bytes[6]);
    assertEquals(0, bytes[7]);
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = buffer.getShort(8) & 0xffff;
    int dataStart = 10 + headerLength;
    assertEquals(0, dataStart % 64, "data starts on a 64-byte boundary");
    String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
    assertEquals("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 3), }", header.trim());
    assertEquals('\n', header.charAt(header.length() - 1));
    assertEquals(dataStart + 9 * 4, bytes.length);
    int[] expected = {7, 1 << 20, 0, 0, 0, 0, -1, 0, 0};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], buffer.getInt(dataStart + 4 * i), "value " + i);
    }
  }

  @Test
  void writesFloat32MatricesThatNumpyReadsBack() throws Exception {
    Path file = dir.resolve("vectors.npy");
    float[] values = {0.5f, -1.25f, 3f, Float.MIN_VALUE, 1e30f, 0f};
    NpyWriter.writeFloat32(file, values, 2, 3);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int dataStart = 10 + (buffer.getShort(8) & 0xffff);
    assertEquals(0, dataStart % 64);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        new String(bytes, 10, dataStart - 10, StandardCharsets.US_ASCII).trim());
    for (int i = 0; i < values.length; i++) {
      assertEquals(values[i], buffer.getFloat(dataStart + 4 * i), "value " + i);
    }
    assertThrows(IllegalArgumentException.class, () -> NpyWriter.writeFloat32(dir.resolve("y.npy"), values, 4, 2));
  }

  @Test
  void refusesRowsWiderThanTheMatrix() {
    assertThrows(IllegalArgumentException.class,
        () -> NpyWriter.writeInt32(dir.resolve("x.npy"), List.of(new int[] {1, 2, 3}), 2));
  }
}
