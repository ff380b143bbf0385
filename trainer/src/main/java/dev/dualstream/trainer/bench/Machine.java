package dev.dualstream.trainer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the machine that a benchmark figure needs beside it: the processor and its load. */
final class Machine {

  private Machine() {}

  /** The processor's model name from {@code /proc/cpuinfo}, or the OS architecture. */
  static String cpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return System.getProperty("os.arch");
    }
    return System.getProperty("os.arch");
  }

  /** The one-minute load average, or -1 where the OS does not tell. */
  static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage();
  }
}
