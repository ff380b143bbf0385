package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingTableTest {

  @TempDir Path dir;

  @Test
  void seededInitIsReproducibleBoundedAndKeepsPaddingZero() {
    EmbeddingTable a = EmbeddingTable.random(100, 8, 0.1f, 9);
    EmbeddingTable b = EmbeddingTable.random(100, 8, 0.1f, 9);
    assertArrayEquals(a.weights(), b.weights());
    assertArrayEquals(new float[8], a.row(0));
    for (int i = 8; i < a.weights().length; i++) {
      assertTrue(Math.abs(a.weights()[i]) <= 0.1f);
    }
    assertTrue(a.weights()[8] != EmbeddingTable.random(100, 8, 0.1f, 10).weights()[8]);
  }

  @Test
  void gatherCopiesRowsInOrder() {
    EmbeddingTable table = EmbeddingTable.random(10, 3, 1f, 1);
    float[] out = new float[9];
    table.gather(new int[] {4, 2, 99}, 2, out);
    float[] expected = new float[9];
    System.arraycopy(table.row(4), 0, expected, 0, 3);
    System.arraycopy(table.row(2), 0, expected, 3, 3);
    assertArrayEquals(expected, out);
  }

  @Test
  void writeReadRoundTripIsExact() throws IOException {
    EmbeddingTable table = EmbeddingTable.random(300_000, 4, 0.5f, 3);
    Path file = dir.resolve("t.f32");
    table.write(file);
    assertEquals(16L + 4L * 300_001 * 4, Files.size(file));
    EmbeddingTable read = EmbeddingTable.read(file);
    assertEquals(300_000, read.buckets());
    assertArrayEquals(table.weights(), read.weights());
  }

  @Test
  void refusesForeignOrTruncatedFiles() throws IOException {
    Path foreign = dir.resolve("foreign");
    Files.write(foreign, new byte[64]);
    IOException notTable = assertThrows(IOException.class, () -> EmbeddingTable.read(foreign));
    assertTrue(notTable.getMessage().contains("not an embedding table"), notTable.getMessage());
    Path file = dir.resolve("t.f32");
    EmbeddingTable.random(10, 4, 0.5f, 3).write(file);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    IOException truncated = assertThrows(IOException.class, () -> EmbeddingTable.read(file));
    assertTrue(truncated.getMessage().contains("expected"), truncated.getMessage());
  }

  @Test
  void aShapeNoArrayHoldsIsAnIoException() throws IOException {
    Path file = dir.resolve("zero.f32");
    ArrayFile.create(file).ints(EmbeddingTable.MAGIC, EmbeddingTable.FORMAT_VERSION, 0, 4).close();
    IOException e = assertThrows(IOException.class, () -> EmbeddingTable.read(file));
    assertTrue(e.getMessage().contains("a table of 0 buckets x 4"), e.getMessage());
  }
}
