package dev.dualstream.trainer.checkpoint;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Passes bytes on to a stream and computes their SHA-256 on a thread of its own, so that hashing
 * overlaps the reading and writing instead of adding to it: the trainer does not train while its
 * state is written, and hashing 0.8 GB took about 0.7 s of a 1.5 s snapshot. The bytes travel to the
 * hashing thread in a few reused buffers, so memory stays bounded and the stream does not allocate
 * per write. {@link #digest()} waits for the hashing to catch up. Not thread-safe; {@link #close()}
 * stops the thread but leaves the underlying stream open.
 */
final class BackgroundSha256 extends FilterOutputStream {
  private static final int BUFFERS = 4;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS + 1);
  private final MessageDigest sha = newSha256();
  private final Thread hasher;
  private volatile Throwable failure;
  private byte[] current;
  private int filled;
  private byte[] result;

  private record Chunk(byte[] bytes, int length) {}

  BackgroundSha256(OutputStream out, int bufferSize) {
    super(out);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[bufferSize]);
    }
    hasher = new Thread(this::hash, "checkpoint-sha256");
    hasher.setDaemon(true);
    hasher.start();
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    if (current == null) {
      current = take();
      filled = 0;
    }
    current[filled++] = (byte) b;
    if (filled == current.length) {
      handOver();
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    append(b, off, len);
  }

  /** The SHA-256 of every byte written, once the hashing thread has caught up; ends the thread. */
  byte[] digest() throws IOException {
    if (result == null) {
      handOver();
      put(new Chunk(END, 0));
      join();
      result = sha.digest();
    }
    return result.clone();
  }

  @Override
  public void close() {
    if (hasher.isAlive()) {
      hasher.interrupt();
    }
  }

  private void append(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (current == null) {
        current = take();
        filled = 0;
      }
      int n = Math.min(len, current.length - filled);
      System.arraycopy(b, off, current, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == current.length) {
        handOver();
      }
    }
  }

  private void handOver() throws IOException {
    if (current != null && filled > 0) {
      put(new Chunk(current, filled));
      current = null;
    }
  }

  private void hash() {
    try {
      for (Chunk chunk = full.take(); chunk.bytes() != END; chunk = full.take()) {
        sha.update(chunk.bytes(), 0, chunk.length());
        free.put(chunk.bytes());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
  }

  private byte[] take() throws IOException {
    try {
      byte[] buffer = null;
      while (buffer == null) {
        checkHasher();
        buffer = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      return buffer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing the trainer state");
    }
  }

  private void put(Chunk chunk) throws IOException {
    try {
      checkHasher();
      full.put(chunk);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing the trainer state");
    }
  }

  private void join() throws IOException {
    try {
      hasher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hashing the trainer state");
    }
    checkHasher();
  }

  private void checkHasher() throws IOException {
    if (failure != null) {
      throw new IOException("hashing the trainer state failed", failure);
    }
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
