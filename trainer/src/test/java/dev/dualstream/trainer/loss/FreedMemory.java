package dev.dualstream.trainer.loss;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes unreachable direct buffers go and their memory come back with other contents: DJL tensors
 * built from Java arrays live in direct buffers, so a tensor whose buffer was collected while the
 * native side still used it reads these bytes instead of its own.
 */
final class FreedMemory {
  private static final List<ByteBuffer> KEPT = new ArrayList<>();

  private FreedMemory() {}

  static void collectAndOverwrite() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    KEPT.clear();
    for (int i = 0; i < 2_000; i++) {
      ByteBuffer junk = ByteBuffer.allocateDirect(8 * (1 + i % 8)).order(ByteOrder.nativeOrder());
      while (junk.remaining() >= 4) {
        junk.putFloat(1e30f);
      }
      KEPT.add(junk);
    }
  }
}
