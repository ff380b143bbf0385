package dev.dualstream.trainer.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of this process: the Java heap (summed peaks of the heap pools since {@link #reset})
 * and the resident set (the kernel's high-water mark, which covers native memory such as libtorch's
 * and cannot be reset). The heap figure is an upper bound, because the pools need not peak at the
 * same moment.
 */
final class PeakMemory {

  private static final Path STATUS = Path.of("/proc/self/status");

  private PeakMemory() {}

  /** Starts the heap pools' peaks afresh. */
  static void reset() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** Sum of the heap pools' peak usage since the last {@link #reset}, in bytes. */
  static long peakHeapBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /** The process's peak resident set in bytes ({@code VmHWM}), or -1 where there is no /proc. */
  static long peakRssBytes() {
    return bytes("VmHWM:");
  }

  /** The process's resident set now in bytes ({@code VmRSS}), or -1 where there is no /proc. */
  static long rssBytes() {
    return bytes("VmRSS:");
  }

  private static long bytes(String key) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(key)) {
          return 1024 * Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
