package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** DJL must start from the native jar on the classpath, offline, on the PyTorch engine. */
class DjlOfflineTest {

  @Test
  void everyModelEntryPointSwitchesDjlOfflineEvenWhenTheJvmWasStartedWithout() {
    String before = System.getProperty(DjlOffline.OFFLINE_PROPERTY);
    try {
      System.clearProperty(DjlOffline.OFFLINE_PROPERTY);
      System.clearProperty(DjlOffline.TRACKING_PROPERTY);
      ModelConfig tiny = ModelConfig.defaults().toBuilder().buckets(64).dims(4, 8, 4).build();
      try (RetrievalModel model = ModelStore.untrained(tiny, 1)) {
        assertEquals(4, model.dimension());
      }
      assertTrue(ai.djl.util.Utils.isOfflineMode(), "DJL sees offline mode after our entry point ran");
      assertEquals("true", System.getProperty(DjlOffline.TRACKING_PROPERTY));

      System.setProperty(DjlOffline.OFFLINE_PROPERTY, "false");
      try (DualEncoderTrainer trainer = DualEncoderTrainer.create(tiny, 1)) {
        assertEquals(0, trainer.steps());
      }
      assertTrue(ai.djl.util.Utils.isOfflineMode(), "an explicit false is overridden too");
    } finally {
      System.setProperty(DjlOffline.OFFLINE_PROPERTY, before == null ? "true" : before);
    }
  }

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
