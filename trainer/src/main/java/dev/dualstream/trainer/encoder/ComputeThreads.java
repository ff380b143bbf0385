package dev.dualstream.trainer.encoder;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Sets the native engine's intra-op thread count. The setting is process-wide in libtorch, so every
 * model in one JVM shares it; the last caller wins. DJL has no engine-neutral call for this, hence
 * the PyTorch-specific one, guarded by the engine's name.
 */
public final class ComputeThreads {

  private ComputeThreads() {}

  /** Uses {@code threads} intra-op threads; 0 or less keeps the engine's default. */
  public static void apply(int threads) {
    if (threads > 0 && "PyTorch".equals(Engine.getInstance().getEngineName())) {
      JniUtils.setNumThreads(threads);
    }
  }
}
