package dev.dualstream.trainer.job;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the threads that feed the trainer (the Kafka source and the decoders) yield the CPU to the
 * training step. On a machine with few cores they compete with the step's compute threads, and the
 * step, which computes on two threads at once, slows down whenever one of them loses its core: on 2
 * cores the pipeline ran at 0.72 to 0.79 of the bare loop's rate with every thread equal. A feeder
 * thread at a higher nice value still gets every core the step leaves idle (between steps, and while
 * the dense tower runs on one native thread), and the whole CPU whenever the trainer waits for
 * input, so it cannot starve the trainer.
 *
 * <p>Linux only: the calling thread's own nice value, set with {@code setpriority(2)} on its thread
 * id (a thread's nice value is its own on Linux, and threads it starts inherit it). Lowering a
 * priority needs no privilege. Elsewhere, or where the call fails, nothing changes and the reason is
 * logged once. Java's {@link Thread#setPriority} is no help: the JVM ignores it on Linux unless
 * started with flags that need root to raise priorities.
 */
final class FeederPriority {
  private static final Logger LOG = LoggerFactory.getLogger(FeederPriority.class);
  private static final Path THREAD_SELF = Path.of("/proc/thread-self");
  private static final int PRIO_PROCESS = 0;
  /** Highest nice value Linux has: the lowest priority. */
  static final int MAX_NICE = 19;
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  /** The C library's priority calls. */
  interface LibC extends Library {
    int setpriority(int which, int who, int prio);
  }

  private FeederPriority() {}

  /**
   * Sets the calling thread's nice value to {@code nice} unless it is already that high; 0 leaves it
   * alone.
   *
   * @return the thread's nice value afterwards, or empty where it cannot be read or changed
   * @throws IllegalArgumentException for a value outside 0..19
   */
  static OptionalInt lowerCallingThread(int nice) {
    requireNice(nice);
    OptionalInt current = callingThreadNice();
    if (nice == 0 || current.isEmpty() || current.getAsInt() >= nice) {
      return current;
    }
    try {
      int tid = callingThreadId();
      if (Holder.LIBC.setpriority(PRIO_PROCESS, tid, nice) != 0) {
        warnOnce("setpriority(" + tid + ", " + nice + ") failed with errno " + Native.getLastError());
        return current;
      }
    } catch (IOException | RuntimeException | LinkageError e) {
      warnOnce(e.toString());
      return current;
    }
    return callingThreadNice();
  }

  /** The calling thread's nice value, or empty off Linux. */
  static OptionalInt callingThreadNice() {
    try {
      String stat = Files.readString(THREAD_SELF.resolve("stat"));
      // Fields after "pid (comm)", which may itself hold spaces: state is field 3, nice field 19.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return OptionalInt.of(Integer.parseInt(fields[19 - 3]));
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }

  /** Checks a nice value for the feeders. */
  static int requireNice(int nice) {
    if (nice < 0 || nice > MAX_NICE) {
      throw new IllegalArgumentException("feeder nice value must be 0 (off) to " + MAX_NICE + ", got " + nice);
    }
    return nice;
  }

  /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
  private static int callingThreadId() throws IOException {
    Path link = Files.readSymbolicLink(THREAD_SELF);
    return Integer.parseInt(link.getFileName().toString());
  }

  private static void warnOnce(String why) {
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn("could not lower the priority of the trainer's feeder threads, they compete with the step as "
          + "equals: {}", why);
    }
  }

  /** Loads the C library on first use. */
  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }
}
