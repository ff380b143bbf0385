package dev.dualstream.trainer.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes int32 matrices in NumPy's {@code .npy} format, version 1.0, so that a Python peer reads
 * them with {@code numpy.load} and nothing else.
 *
 * <p>The format: the magic {@code \x93NUMPY}, version bytes 1 and 0, a little-endian uint16 header
 * length, then an ASCII Python dict literal ({@code descr}, {@code fortran_order}, {@code shape})
 * padded with spaces and ended by a newline so that the data starts at a multiple of 64 bytes, then
 * the values row-major, here as little-endian int32 ({@code '<i4'}).
 */
public final class NpyWriter {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  private static final int ALIGN = 64;

  private NpyWriter() {}

  /**
   * Writes the rows as a {@code rows.size() x width} int32 matrix, each row right-padded with 0.
   *
   * @throws IllegalArgumentException if a row is longer than {@code width}
   */
  public static void writeInt32(Path file, List<int[]> rows, int width) throws IOException {
    if (width < 1) {
      throw new IllegalArgumentException("width must be positive, got " + width);
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(header(rows.size(), width));
      ByteBuffer row = ByteBuffer.allocate(4 * width).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < rows.size(); i++) {
        int[] values = rows.get(i);
        if (values.length > width) {
          throw new IllegalArgumentException(
              "row " + i + " has " + values.length + " values, more than the width " + width);
        }
        row.clear();
        for (int j = 0; j < width; j++) {
          row.putInt(j < values.length ? values[j] : 0);
        }
        out.write(row.array());
      }
    }
  }

  /** The magic, version, header length and the padded header dict. */
  static byte[] header(int rows, int width) {
    String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + rows + ", " + width
        + "), }";
    int unpadded = MAGIC.length + 2 + dict.length() + 1;
    int padding = (ALIGN - unpadded % ALIGN) % ALIGN;
    String text = dict + " ".repeat(padding) + "\n";
    byte[] ascii = text.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 2 + ascii.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putShort((short) ascii.length).put(ascii);
    return header.array();
  }
}
