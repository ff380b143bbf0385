package dev.dualstream.deploy.stack;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The scratch directory of a run that starts its own broker (the demo, {@code bench pipeline}):
 * emptied at the start of each run, but never under another run that is still using it.
 */
public final class WorkDirectory {
  /** Where a run keeps its broker's data inside its work directory. */
  public static final String KAFKA = "kafka";

  private WorkDirectory() {}

  /**
   * Deletes everything in {@code dir} (creating it if needed), after checking that no broker runs on
   * its {@value #KAFKA} directory.
   *
   * @throws BrokerStartException if a broker (of another run, or one left by a killed run) holds it;
   *     then nothing is deleted
   */
  public static Path empty(Path dir) {
    Path kafka = dir.resolve(KAFKA);
    if (Files.isDirectory(kafka)) {
      try (Closeable lock = new BrokerDataDir(kafka).lock()) {
        // free: released again at once, the run's own broker takes it
      } catch (BrokerStartException e) {
        throw new BrokerStartException("the work directory " + dir + " is in use by another run (a broker holds "
            + kafka + "); stop it or pass another --work-dir");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot check the work directory " + dir, e);
      }
    }
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> paths = Files.walk(dir)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            if (!p.equals(dir)) {
              Files.delete(p);
            }
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare work directory " + dir, e);
    }
    return dir;
  }
}
