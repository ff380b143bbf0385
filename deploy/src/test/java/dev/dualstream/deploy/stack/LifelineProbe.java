package dev.dualstream.deploy.stack;

import java.nio.file.Path;

/**
 * Mains for {@link ChildJvmIT}, run in child JVMs. {@code parent LOG}: starts a {@code sleeper} child through
 * {@link ChildJvm} (its output to LOG), prints {@code child pid N} and waits forever. {@code sleeper}: waits
 * forever. {@code echo ARG ...}: prints its arguments and what the launcher set, then exits with status 7.
 * {@code graceful}: prints {@code ready}, waits forever, and on SIGTERM its shutdown hook takes a moment and
 * prints {@code last words}.
 */
public final class LifelineProbe {
  static final String CHILD_PID = "child pid ";
  static final int ECHO_STATUS = 7;
  static final String READY = "ready";
  static final String LAST_WORDS = "last words";

  private LifelineProbe() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "parent" -> {
        Process child = ChildJvm.of(LifelineProbe.class.getName()).args("sleeper").log(Path.of(args[1])).start();
        System.out.println(CHILD_PID + child.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "sleeper" -> Thread.sleep(Long.MAX_VALUE);
      case "graceful" -> {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            Thread.sleep(500); // a close that takes a while, as a Kafka Streams commit does
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          System.out.println(LAST_WORDS);
          System.out.flush();
        }));
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "echo" -> {
        System.out.println("args " + String.join(" ", java.util.Arrays.copyOfRange(args, 1, args.length)));
        System.out.println("DJL_OFFLINE=" + System.getenv("DJL_OFFLINE") + " OPT_OUT_TRACKING="
            + System.getenv("OPT_OUT_TRACKING") + " ai.djl.offline=" + System.getProperty("ai.djl.offline")
            + " stdin=" + System.in.read());
        System.exit(ECHO_STATUS);
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
