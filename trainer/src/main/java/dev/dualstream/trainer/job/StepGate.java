package dev.dualstream.trainer.job;

/**
 * Holds the training steps of every training job in this JVM while it is closed, for a benchmark
 * that runs the job in a MiniCluster and times something else in between: {@code bench pipeline}
 * alternates stretches of the job with windows of the bare training loop, so that both see the
 * same machine. A closed gate stops the training thread before its next step (a running step
 * finishes); the job's input then backs up through Flink's buffers to the Kafka source, and its
 * threads wait without using the CPU. The gate is open unless someone closes it; the training job
 * itself never does. The check before each step is one volatile read.
 */
public final class StepGate {
  private static final Object LOCK = new Object();
  private static volatile boolean closed;

  private StepGate() {}

  /** Holds every training step that has not started yet, until {@link #open()}. */
  public static void close() {
    synchronized (LOCK) {
      closed = true;
    }
  }

  /** Lets the held steps run. */
  public static void open() {
    synchronized (LOCK) {
      closed = false;
      LOCK.notifyAll();
    }
  }

  /** Whether steps are held now. */
  public static boolean isClosed() {
    return closed;
  }

  /** Returns once the gate is open. */
  static void awaitOpen() throws InterruptedException {
    if (!closed) {
      return;
    }
    synchronized (LOCK) {
      while (closed) {
        LOCK.wait();
      }
    }
  }
}
