package dev.dualstream.deploy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time (user + system) of this process and of a child process, so that a benchmark can say how
 * much of a phase's work the client side did and how much the broker did: on two cores they share
 * the machine. The child's figure comes from {@code /proc/<pid>/stat} at the kernel's tick (10 ms);
 * off Linux it is NaN.
 */
final class CpuSeconds {
  /** Seconds per kernel clock tick, which {@code /proc} counts in (USER_HZ, 100 on Linux). */
  private static final double SECONDS_PER_TICK = 0.01;

  private CpuSeconds() {}

  /** CPU seconds this JVM has used so far; NaN where the JVM does not say. */
  static double self() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }

  /** CPU seconds process {@code pid} has used so far; NaN if it cannot be read. */
  static double of(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name may hold spaces; the fields after its closing parenthesis do not.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * SECONDS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** One-minute load average of the machine; negative where unavailable. */
  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
