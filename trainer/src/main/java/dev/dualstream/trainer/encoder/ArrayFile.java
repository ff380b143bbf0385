package dev.dualstream.trainer.encoder;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Flat files of little-endian int32 and float32 arrays, written and read in order through a file
 * channel and one reused 1 MiB buffer: a 256 MB table moves without a second heap copy and
 * without Java serialization. Each format opens with its own header ints (magic, version, sizes),
 * so any tool can read the arrays, e.g. numpy's {@code fromfile(dtype='<f4', offset=...)}.
 */
public final class ArrayFile {

  private static final int CHUNK_BYTES = 1 << 20;

  /** Whether closing a file waits until it is on disk. */
  public enum Durability {
    /** {@code fsync} on close: for files that must survive a crash (model versions). */
    SYNCED,
    /**
     * Left to the page cache: for scratch files read back at once (a checkpoint's state on its way
     * into the checkpoint stream), where forcing 0.8 GB to disk took most of a snapshot's time.
     */
    SCRATCH
  }

  private ArrayFile() {}

  /** Creates or truncates a file for writing; {@link Writer#close()} forces it to disk. */
  public static Writer create(Path file) throws IOException {
    return create(file, Durability.SYNCED);
  }

  /** Creates or truncates a file for writing, forced to disk on close if {@code durability} says so. */
  public static Writer create(Path file, Durability durability) throws IOException {
    return new Writer(FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), durability == Durability.SYNCED);
  }

  /** Opens a file for reading from its start. */
  public static Reader open(Path file) throws IOException {
    return new Reader(FileChannel.open(file, StandardOpenOption.READ));
  }

  /** Appends arrays; {@link #close()} flushes them (to disk, if the file is {@link Durability#SYNCED}). */
  public static final class Writer implements Closeable {
    private final FileChannel channel;
    private final boolean sync;
    private final ByteBuffer buffer =
        ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private Writer(FileChannel channel, boolean sync) {
      this.channel = channel;
      this.sync = sync;
    }

    public Writer ints(int... values) throws IOException {
      return ints(values, values.length);
    }

    /** The first {@code length} of {@code values}. */
    public Writer ints(int[] values, int length) throws IOException {
      if (length < 0 || length > values.length) {
        throw new IndexOutOfBoundsException("length " + length + " of " + values.length + " values");
      }
      for (int i = 0; i < length; i++) {
        int value = values[i];
        if (buffer.remaining() < Integer.BYTES) {
          drain();
        }
        buffer.putInt(value);
      }
      return this;
    }

    public Writer floats(float[] values) throws IOException {
      return floats(values, values.length);
    }

    /** The first {@code length} of {@code values}. */
    public Writer floats(float[] values, int length) throws IOException {
      if (length < 0 || length > values.length) {
        throw new IndexOutOfBoundsException("length " + length + " of " + values.length + " values");
      }
      int at = 0;
      while (at < length) {
        if (buffer.remaining() < Float.BYTES) {
          drain();
        }
        int n = Math.min(length - at, buffer.remaining() / Float.BYTES);
        buffer.asFloatBuffer().put(values, at, n);
        buffer.position(buffer.position() + n * Float.BYTES);
        at += n;
      }
      return this;
    }

    @Override
    public void close() throws IOException {
      try (channel) {
        drain();
        if (sync) {
          channel.force(true);
        }
      }
    }

    private void drain() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.clear();
    }
  }

  /** Reads arrays in the order they were written. */
  public static final class Reader implements Closeable {
    private final FileChannel channel;
    private final ByteBuffer buffer =
        ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private Reader(FileChannel channel) {
      this.channel = channel;
    }

    /** The file's length in bytes, to check it against the sizes in a header. */
    public long size() throws IOException {
      return channel.size();
    }

    /**
     * The next {@code count} ints.
     *
     * @throws IOException if the file holds fewer than {@code count} more, before allocating them
     */
    public int[] ints(int count) throws IOException {
      long left = channel.size() - channel.position();
      if (count < 0 || (long) count * Integer.BYTES > left) {
        throw new IOException("file ends early: " + count + " ints asked for, " + left + " bytes left");
      }
      int[] values = new int[count];
      ints(values);
      return values;
    }

    public void ints(int[] into) throws IOException {
      int at = 0;
      while (at < into.length) {
        int n = fill(into.length - at, Integer.BYTES);
        buffer.asIntBuffer().get(into, at, n);
        at += n;
      }
    }

    public void floats(float[] into) throws IOException {
      int at = 0;
      while (at < into.length) {
        int n = fill(into.length - at, Float.BYTES);
        buffer.asFloatBuffer().get(into, at, n);
        at += n;
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    /** Buffers up to {@code count} values of {@code width} bytes; returns how many it buffered. */
    private int fill(int count, int width) throws IOException {
      buffer.clear();
      buffer.limit((int) Math.min(CHUNK_BYTES, (long) count * width));
      while (buffer.hasRemaining()) {
        if (channel.read(buffer) < 0) {
          throw new IOException("file ends early: truncated or not written by this version");
        }
      }
      buffer.flip();
      return buffer.remaining() / width;
    }
  }

  /** Forces a file written with {@link Durability#SCRATCH} to disk after all, on whatever thread can wait for it. */
  public static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }
}
