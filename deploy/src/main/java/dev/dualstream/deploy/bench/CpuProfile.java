package dev.dualstream.deploy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU of this process goes, by the role of the thread that spent it: a snapshot of every
 * live thread's CPU time, and the difference of two snapshots per example applied between them.
 * Threads are told apart by the names Flink and the trainer give them. The JVM's own threads are
 * not Java threads: on Linux, the garbage collector's and the JIT compiler's are read from {@code
 * /proc/self/task} (at the kernel's tick, 10 ms); the rest of the process's CPU time is what its
 * other native threads spent. The Kafka broker runs in a child process and is not counted.
 */
final class CpuProfile {

  /** Roles, matched in order against a thread's name; the first match wins. */
  private static final List<Role> ROLES = List.of(
      new Role("kafka source (fetch, split reader)", "Source"),
      new Role("decode and featurize", "decode and featurize"),
      new Role("training operator (mailbox: deserialize, batch)", "train "),
      new Role("training step (step thread, compute workers)", "dualstream-step", "dualstream-compute"),
      new Role("kafka clients (sinks)", "kafka-"));
  static final String OTHER_JAVA = "other java threads";
  static final String GC = "garbage collector threads";
  static final String JIT = "jit compiler threads";
  static final String OUTSIDE_JAVA = "other threads outside java (native, vm)";
  static final String TOTAL = "total";

  private record Role(String name, String... prefixes) {
    boolean matches(String thread) {
      for (String prefix : prefixes) {
        if (thread.startsWith(prefix)) {
          return true;
        }
      }
      return false;
    }
  }

  /** CPU nanoseconds of every live thread by id, with its name, and of the whole process. */
  record Snapshot(Map<Long, Long> threadNanos, Map<Long, String> names, long processNanos, long gcNanos,
      long jitNanos) {}

  /** Nanoseconds per kernel clock tick, which {@code /proc} counts in (USER_HZ, 100 on Linux). */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private CpuProfile() {}

  static Snapshot take() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> nanos = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    if (threads.isThreadCpuTimeSupported()) {
      for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
        if (info == null) {
          continue;
        }
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        if (cpu >= 0) {
          nanos.put(info.getThreadId(), cpu);
          names.put(info.getThreadId(), info.getThreadName());
        }
      }
    }
    long[] vm = vmThreadNanos();
    return new Snapshot(nanos, names, processNanos(), vm[0], vm[1]);
  }

  /** CPU nanoseconds of the garbage collector's and the JIT compiler's threads; zeros off Linux. */
  private static long[] vmThreadNanos() {
    long[] nanos = new long[2];
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return nanos;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
      for (Path task : dirs) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String comm = stat.substring(open + 1, close);
        String[] fields = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
          nanos[0] += ticks * NANOS_PER_TICK;
        } else if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
          nanos[1] += ticks * NANOS_PER_TICK;
        }
      }
    } catch (IOException | RuntimeException e) {
      return new long[2];
    }
    return nanos;
  }

  /**
   * CPU microseconds per example between two snapshots, by role, in {@link #ROLES} order, then
   * {@link #OTHER_JAVA}, {@link #GC}, {@link #JIT}, {@link #OUTSIDE_JAVA} and {@link #TOTAL}. A thread that ended in between is lost;
   * one that started counts from zero.
   */
  static Map<String, Double> microsPerExample(Snapshot before, Snapshot after, long examples) {
    Map<String, Double> nanos = new LinkedHashMap<>();
    ROLES.forEach(role -> nanos.put(role.name(), 0.0));
    nanos.put(OTHER_JAVA, 0.0);
    double javaNanos = 0;
    for (Map.Entry<Long, Long> e : after.threadNanos().entrySet()) {
      long spent = e.getValue() - before.threadNanos().getOrDefault(e.getKey(), 0L);
      String name = after.names().get(e.getKey());
      String role = ROLES.stream().filter(r -> r.matches(name)).map(Role::name).findFirst().orElse(OTHER_JAVA);
      nanos.merge(role, (double) spent, Double::sum);
      javaNanos += spent;
    }
    double process = after.processNanos() - before.processNanos();
    double gc = after.gcNanos() - before.gcNanos();
    double jit = after.jitNanos() - before.jitNanos();
    nanos.put(GC, gc);
    nanos.put(JIT, jit);
    nanos.put(OUTSIDE_JAVA, Math.max(0, process - javaNanos - gc - jit));
    nanos.put(TOTAL, process);
    Map<String, Double> micros = new LinkedHashMap<>();
    double perExample = Math.max(1, examples) * 1000.0;
    nanos.forEach((role, n) -> micros.put(role, n / perExample));
    return micros;
  }

  private static long processNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
