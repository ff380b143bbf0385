package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmIT {
  /** How long a halting JVM may take to be gone; generous, for a loaded machine: no timing is asserted. */
  private static final long GONE_WITHIN_MS = 20_000;

  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void aChildDiesWhenItsParentIsKilledWithSigkill() throws Exception {
    Path parentLog = dir.resolve("parent.log");
    Process parent = ChildJvm.of(LifelineProbe.class.getName()).args("parent", dir.resolve("child.log").toString())
        .log(parentLog).start();
    long child = -1;
    try {
      child = awaitChildPid(parent, parentLog);
      assertTrue(alive(child), "the child runs while its parent does");

      parent.destroyForcibly(); // SIGKILL: the parent runs no shutdown hook
      assertTrue(parent.waitFor(60, TimeUnit.SECONDS), "the parent is gone");

      long deadline = System.currentTimeMillis() + GONE_WITHIN_MS;
      while (alive(child) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(alive(child), "child " + child + " outlived its parent by " + GONE_WITHIN_MS + " ms");
    } finally {
      parent.destroyForcibly();
      if (child > 0) {
        ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  @Timeout(120)
  void theRealMainGetsItsArgumentsAnEmptyInputAndTheOfflineSettingsAndItsExitStatusComesThrough() throws Exception {
    Path log = dir.resolve("echo.log");
    Process echo = ChildJvm.of(LifelineProbe.class.getName()).args("echo", "a b", "c").log(log).start();

    assertTrue(echo.waitFor(60, TimeUnit.SECONDS), "echo ended");
    assertEquals(LifelineProbe.ECHO_STATUS, echo.exitValue(), Files.readString(log));
    assertEquals("args a b c\nDJL_OFFLINE=true OPT_OUT_TRACKING=true ai.djl.offline=true stdin=-1\n", Files.readString(log));
  }

  @Test
  @Timeout(120)
  void stopLetsTheChildShutDownAndItsLastWordsReachTheEchoAndTheLog() throws Exception {
    Path log = dir.resolve("graceful.log");
    List<String> echoed = new CopyOnWriteArrayList<>();
    Process child = ChildJvm.of(LifelineProbe.class.getName()).args("graceful").log(log).echo(echoed::add).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!echoed.contains(LifelineProbe.READY)) {
      assertTrue(child.isAlive() && System.nanoTime() < deadline, "the child got ready: " + echoed);
      Thread.sleep(20);
    }

    ChildJvm.stop(child, Duration.ofSeconds(30));

    assertEquals(128 + 15, child.exitValue(), "ended by SIGTERM after its shutdown hooks, not halted by the lifeline"
        + " (status " + ParentLifeline.PARENT_GONE + ") nor killed (137)");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!echoed.contains(LifelineProbe.LAST_WORDS) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(List.of(LifelineProbe.READY, LifelineProbe.LAST_WORDS), echoed);
    assertEquals(LifelineProbe.READY + "\n" + LifelineProbe.LAST_WORDS + "\n", Files.readString(log));
  }

  private static long awaitChildPid(Process parent, Path log) throws IOException, InterruptedException {
    while (true) {
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log)) {
          if (line.startsWith(LifelineProbe.CHILD_PID)) {
            return Long.parseLong(line.substring(LifelineProbe.CHILD_PID.length()).trim());
          }
        }
      }
      if (!parent.isAlive()) {
        throw new AssertionError("the parent ended (" + parent.exitValue() + "): " + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  private static boolean alive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && handle.get().isAlive();
  }
}
