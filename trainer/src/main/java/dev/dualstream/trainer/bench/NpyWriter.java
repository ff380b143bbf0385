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
 * Writes int32 and float32 matrices in NumPy's {@code .npy} format, version 1.0, so that a Python peer
 * reads them with {@code numpy.load} and nothing else.
 *
 * <p>The format: the magic {@code \x93NUMPY}, version bytes 1 and 0, a little-endian uint16 header
 * length, then an ASCII Python dict literal ({@code descr}, {@code fortran_order}, {@code shape})
 * padded with spaces and ended by a newline so that the data starts at a multiple of 64 bytes, then
 * the values row-major, little-endian int32 ({@code '<i4'}) or float32 ({@code '<f4'}).
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
      out.write(header("<i4", rows.size(), width));
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

  /** A {@code rows x width} float32 matrix given row after row. */
  public static void writeFloat32(Path file, float[] values, int rows, int width) throws IOException {
    checkShape(values.length, rows, width);
    ByteBuffer body = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    body.asFloatBuffer().put(values);
    write(file, header("<f4", rows, width), body.array());
  }

  /** A {@code rows x width} int32 matrix given row after row. */
  public static void writeInt32(Path file, int[] values, int rows, int width) throws IOException {
    checkShape(values.length, rows, width);
    ByteBuffer body = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    body.asIntBuffer().put(values);
    write(file, header("<i4", rows, width), body.array());
  }

  private static void checkShape(int length, int rows, int width) {
    if (rows < 0 || width < 1 || (long) rows * width != length) {
      throw new IllegalArgumentException(length + " values do not make a " + rows + " x " + width + " matrix");
    }
  }

  private static void write(Path file, byte[] header, byte[] body) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(header);
      out.write(body);
    }
  }

  /** The magic, version, header length and the padded header dict. */
  static byte[] header(String descr, int rows, int width) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + width
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
