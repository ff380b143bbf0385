package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's work directory is emptied at start, but not while another run's broker holds it. */
class WorkDirectoryTest {

  @Test
  void aDirectoryWhoseBrokerIsRunningIsLeftAlone(@TempDir Path root) throws Exception {
    Path work = root.resolve("work");
    Path kafka = work.resolve(WorkDirectory.KAFKA);
    Path checkpoint = Files.createDirectories(work.resolve("checkpoints")).resolve("chk-1");
    Files.writeString(checkpoint, "state");
    try (Closeable running = new BrokerDataDir(kafka).lock()) {
      BrokerStartException e = assertThrows(BrokerStartException.class, () -> WorkDirectory.empty(work));
      assertTrue(e.getMessage().contains("in use by another run") && e.getMessage().contains("--work-dir"),
          e.getMessage());
      assertTrue(Files.exists(checkpoint), "nothing was deleted");
    }
    assertEquals(work, WorkDirectory.empty(work));
    assertTrue(Files.isDirectory(work));
    try (var left = Files.list(work)) {
      assertEquals(0, left.count(), "emptied once the broker is gone");
    }
  }

  @Test
  void aMissingDirectoryIsCreated(@TempDir Path root) {
    Path work = root.resolve("a/b");
    WorkDirectory.empty(work);
    assertTrue(Files.isDirectory(work));
  }
}
