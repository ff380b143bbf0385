package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** DJL must start from the native jar on the classpath, offline, on the PyTorch engine. */
class DjlOfflineTest {

  @Test
  void engineIsPyTorchAndRunsOffline() {
    assertEquals("true", System.getProperty("ai.djl.offline"),
        "the test JVM must run with -Dai.djl.offline=true (see the parent pom's argLine)");
    Engine engine = Engine.getInstance();
    assertEquals("PyTorch", engine.getEngineName());
    try (NDManager manager = NDManager.newBaseManager()) {
      assertEquals(6f, manager.create(new float[] {1, 2, 3}).sum().getFloat());
    }
  }
}
