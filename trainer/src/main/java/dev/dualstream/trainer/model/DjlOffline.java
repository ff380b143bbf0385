package dev.dualstream.trainer.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts DJL in offline mode before any of our code starts its engine. Without it, DJL's engine start
 * reports usage to a cloud metadata address; no process of ours may contact one. The launcher, the
 * test JVMs and CI set the same switches; this guard makes the guarantee independent of how the JVM
 * was started. Every entry point of this package that creates DJL objects calls {@link #ensure()}.
 */
final class DjlOffline {
  static final String OFFLINE_PROPERTY = "ai.djl.offline";
  static final String TRACKING_PROPERTY = "OPT_OUT_TRACKING";
  private static final Logger LOG = LoggerFactory.getLogger(DjlOffline.class);

  private DjlOffline() {}

  /** Sets DJL's offline and opt-out switches unless they are already on. Cheap; call it freely. */
  static void ensure() {
    force(OFFLINE_PROPERTY);
    force(TRACKING_PROPERTY);
  }

  private static void force(String property) {
    String value = System.getProperty(property);
    if (!"true".equalsIgnoreCase(value)) {
      if (value != null) {
        LOG.warn("overriding -D{}={}: DJL always runs offline in dualstream", property, value);
      }
      System.setProperty(property, "true");
    }
  }
}
