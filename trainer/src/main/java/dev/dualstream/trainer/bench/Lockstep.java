package dev.dualstream.trainer.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Takes turns with a peer benchmark (in another process, or another thread) through a file that
 * names whose turn it is: each side waits for its name, runs one window, and writes the other's name. On a shared
 * machine the load changes from minute to minute; windows run back to back in alternation see
 * about the same load, so their ratio is fair where two runs one after the other are not.
 */
public final class Lockstep {

  private static final Duration PATIENCE = Duration.ofMinutes(10);

  private final Path file;
  private final String self;
  private final String peer;

  /**
   * @param file the shared turn file; whoever starts it writes the first name into it
   * @param self this side's name in the file
   * @param peer the other side's name
   */
  public Lockstep(Path file, String self, String peer) {
    this.file = file;
    this.self = self;
    this.peer = peer;
  }

  /** Waits until it is this side's turn. */
  public void await() {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!ready()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("waited " + PATIENCE.toMinutes() + " minutes for '" + self
            + "' in " + file + "; did the peer benchmark stop?");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a turn", e);
      }
    }
  }

  /** Whether it is this side's turn now. */
  public boolean ready() {
    return self.equals(read());
  }

  /** Hands the turn to the peer (atomically, so that it never reads half a name). */
  public void pass() {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + "." + self);
      Files.writeString(tmp, peer, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pass the turn through " + file, e);
    }
  }

  private String read() {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
