package dev.dualstream.deploy.stack;

import java.nio.file.Path;

/**
 * Mains for {@link ChildJvmIT}, run in child JVMs. {@code parent LOG}: starts a {@code sleeper} child through
 * {@link ChildJvm} (its output to LOG), prints {@code child pid N} and waits forever. {@code sleeper}: waits
 * forever. {@code echo ARG ...}: prints its arguments and what the launcher set, then exits with status 7.
 */
public final class LifelineProbe {
  static final String CHILD_PID = "child pid ";
  static final int ECHO_STATUS = 7;

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
