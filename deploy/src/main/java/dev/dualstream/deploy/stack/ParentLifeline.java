package dev.dualstream.deploy.stack;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * The first main of every child JVM that {@link ChildJvm} starts: it ties the child's life to its parent's,
 * then runs the real main class. Usage: {@code ParentLifeline MAIN_CLASS [ARG ...]}.
 *
 * <p>The child's standard input is a pipe whose write end only the parent holds (the JDK closes every other
 * descriptor in the children it starts, so no sibling inherits it). A daemon thread blocks reading it. When
 * the parent dies, for whatever reason, {@code kill -9} included, the kernel closes the write end, the read
 * returns end-of-file, and the child halts. A shutdown hook in the parent cannot do this: the JVM runs none
 * on SIGKILL. The child halts rather than exits: its own shutdown hooks might wait for a broker or a parent
 * that is gone, and what it leaves is what a crash leaves, which Kafka and ingest recover from by design.
 *
 * <p>The real main sees an empty standard input, so that nothing it does can take bytes from the lifeline.
 */
public final class ParentLifeline {
  /** The exit status of a child whose parent died; nobody is left to read it, but a log or a shell may. */
  static final int PARENT_GONE = 3;

  private ParentLifeline() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      System.err.println("usage: ParentLifeline MAIN_CLASS [ARG ...]");
      System.exit(2);
    }
    InputStream lifeline = System.in;
    System.setIn(new ByteArrayInputStream(new byte[0]));
    Thread watch = new Thread(() -> awaitEndOfInput(lifeline), "parent-lifeline");
    watch.setDaemon(true);
    watch.start();
    Method main = Class.forName(args[0], true, ClassLoader.getSystemClassLoader()).getMethod("main", String[].class);
    if (!Modifier.isStatic(main.getModifiers())) {
      throw new IllegalArgumentException(args[0] + ".main is not static");
    }
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause(); // the real main's own failure, as if it had been started directly
    }
  }

  private static void awaitEndOfInput(InputStream in) {
    byte[] buffer = new byte[64];
    try {
      while (in.read(buffer) >= 0) {
        // The parent writes nothing; bytes, if any, mean nothing.
      }
    } catch (IOException e) {
      // A broken pipe is the parent gone, too.
    }
    Runtime.getRuntime().halt(PARENT_GONE);
  }
}
