package dev.dualstream.trainer.job;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one thread that drives a trainer, beside the training operator's mailbox thread. The
 * mailbox thread hands over each full batch ({@link #submit}) and goes on deserializing and
 * assembling the next one while the step runs, so the step never waits for its input while input is
 * queued. At most {@code capacity} steps are queued or running: a slow trainer back-pressures the
 * mailbox thread instead of piling batches up.
 *
 * <p>Everything else that touches the trainer runs here too, after every step handed over before
 * it ({@link #call}): creating and restoring it, snapshots, versions, metrics, closing. The trainer
 * is not thread-safe and the native engine keeps per-thread state (its autograd mode), so one thread
 * owns it from start to end; and since a call waits for the steps before it, whatever it reads is
 * the state after exactly the examples handed over so far, which is what a checkpoint must hold.
 *
 * <p>A step that throws is kept and rethrown by the next {@link #submit} or {@link #call} (later
 * steps are skipped), and reported at once to {@code onFailure}, which fails the task, so an idle
 * input cannot hide it.
 */
final class TrainingThread implements AutoCloseable {

  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);

  private final ExecutorService executor;
  private final BlockingQueue<Runnable> queue;
  private final Semaphore slots;
  private final Consumer<Throwable> onFailure;
  private volatile Throwable failure;

  /**
   * @param name the thread's name
   * @param capacity steps that may be queued or running at once, at least 1
   * @param onFailure told, on the training thread, of the first step that throws
   */
  TrainingThread(String name, int capacity, Consumer<Throwable> onFailure) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.slots = new Semaphore(capacity);
    this.onFailure = onFailure;
    this.queue = new LinkedBlockingQueue<>();
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, queue, runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Whether work waits behind what runs now (a step, or a call); asked on the training thread by work
   * that may yield, such as replayed steps after a step.
   */
  boolean hasQueuedWork() {
    return !queue.isEmpty();
  }

  /** Queues a step, waiting while {@code capacity} steps are queued or running. */
  void submit(Runnable step) throws Exception {
    rethrowFailure();
    slots.acquire();
    try {
      executor.execute(() -> {
        try {
          StepGate.awaitOpen();
          if (failure == null) {
            step.run();
          }
        } catch (Throwable t) {
          fail(t);
        } finally {
          slots.release();
        }
      });
    } catch (RejectedExecutionException e) {
      slots.release();
      throw new IllegalStateException("the training thread is closed", e);
    }
  }

  /**
   * Runs {@code work} after every step submitted so far and returns its result. Throws the failure
   * of an earlier step, or what {@code work} throws (which does not stop later work).
   */
  <T> T call(Callable<T> work) throws Exception {
    rethrowFailure();
    Future<T> result = executor.submit(() -> {
      rethrowFailure();
      return work.call();
    });
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw asException(e.getCause());
    }
  }

  /** Waits until every step submitted so far has been applied. */
  void drain() throws Exception {
    call(() -> null);
  }

  /**
   * Runs {@code last} after whatever is queued, failed or not, then stops the thread; waits for
   * both. For closing the trainer, whose resources must go whether training failed or not.
   */
  void close(Runnable last) throws Exception {
    Future<?> done = null;
    try {
      done = executor.submit(last);
    } catch (RejectedExecutionException e) {
      // already closed: nothing left to run
    }
    executor.shutdown();
    boolean stopped = executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (!stopped) {
      executor.shutdownNow();
      throw new IllegalStateException("the training thread did not stop within " + CLOSE_TIMEOUT.toSeconds() + " s");
    }
    if (done != null) {
      try {
        done.get();
      } catch (ExecutionException e) {
        throw asException(e.getCause());
      }
    }
  }

  @Override
  public void close() throws Exception {
    close(() -> { });
  }

  private void fail(Throwable t) {
    if (failure == null) {
      failure = t;
      onFailure.accept(t);
    }
  }

  private void rethrowFailure() throws Exception {
    Throwable t = failure;
    if (t != null) {
      throw new TrainingFailedException(t);
    }
  }

  private static Exception asException(Throwable t) {
    if (t instanceof Exception e) {
      return e;
    }
    return new TrainingFailedException(t);
  }

  /** A step failed on the training thread; the cause is what it threw. */
  static final class TrainingFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    TrainingFailedException(Throwable cause) {
      super("a training step failed: " + cause, cause);
    }
  }
}
