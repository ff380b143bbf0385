package dev.dualstream.trainer.encoder;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads a training step computes on. {@code threads} Java threads (the caller and {@code
 * threads - 1} workers) carry the parts of a step done on the heap, which are most of its work:
 * pooling the embedding bags, spreading their gradient over the rows and the lazy row update. The
 * native engine runs the small dense tower with one intra-op thread: the calling thread.
 *
 * <p>Design note, measured on the benchmark model (batch 256, 2 cores): the tower's matrices are
 * small (a 512 x 64 input, 256 and 128 wide layers), and with two intra-op threads each of the step's
 * few dozen native operations pays a fork-join barrier; with two Java workers beside them the step
 * ran at 22,000 to 27,000 examples/s, with one intra-op thread at 26,600 to 32,300, in alternating
 * runs. On a loaded machine the barriers are worse: a barrier waits for a thread the OS has not
 * scheduled. So at most {@code threads} threads compute at any moment, as with PyTorch at {@code
 * torch.set_num_threads(threads)}. Both settings are process-wide, as libtorch's is, so every model
 * in one JVM shares them; the last caller wins. DJL has no engine-neutral call for the native
 * setting, hence the PyTorch-specific one, guarded by the engine's name.
 */
public final class ComputeThreads {

  /** Work of one range {@code [from, to)} of a parallel loop. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
  private static final int CHUNKS_PER_THREAD = 4;
  private static volatile Workers workers = new Workers(defaultParallelism());

  private ComputeThreads() {}

  /**
   * Uses {@code threads} Java threads and one native intra-op thread (see the class comment for why
   * one); 0 or less uses one Java thread per core and keeps the engine's default.
   */
  public static void apply(int threads) {
    apply(threads, 1);
  }

  /**
   * Uses {@code threads} Java threads and {@code nativeThreads} native intra-op threads, for a tower
   * whose native work dominates a step (the Transformer); {@code threads} 0 or less uses one Java
   * thread per core and keeps the engine's default.
   */
  public static void apply(int threads, int nativeThreads) {
    if (threads > 0 && "PyTorch".equals(Engine.getInstance().getEngineName())) {
      JniUtils.setNumThreads(Math.max(1, nativeThreads));
    }
    int parallelism = threads > 0 ? threads : defaultParallelism();
    synchronized (ComputeThreads.class) {
      if (workers.parallelism != parallelism) {
        workers = new Workers(parallelism);
      }
    }
  }

  /** Java threads that {@link #parallelFor} spreads work over (the calling thread included). */
  public static int parallelism() {
    return workers.parallelism;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into contiguous ranges of at least {@code grain}
   * items, and returns when all are done. The calling thread works too; the workers join in as they
   * get a core. The ranges depend only on {@code n}, {@code grain} and the parallelism, never on
   * which thread runs which, so a body whose ranges do not interact gives the same result on every
   * run.
   *
   * <p>Ranges are claimed one at a time from a counter, a few per thread, so a worker that the OS
   * does not schedule promptly (the machine is shared, or the native engine's threads still spin)
   * costs at most the range it holds: the caller takes the rest, where a fixed split would wait for
   * the late thread's whole share.
   */
  public static void parallelFor(int n, int grain, RangeBody body) {
    Workers current = workers;
    int chunks = Math.min(CHUNKS_PER_THREAD * current.parallelism,
        Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || current.executor == null) {
      body.run(0, n);
      return;
    }
    Loop loop = new Loop(n, chunks, body, Thread.currentThread());
    for (int t = 1; t < current.parallelism; t++) {
      current.executor.execute(loop::work);
    }
    loop.work();
    loop.await();
  }

  /** One parallel loop: ranges claimed from a counter, the caller woken when the last one ends. */
  private static final class Loop {
    private final int n;
    private final int chunks;
    private final RangeBody body;
    private final Thread caller;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger remaining;
    private volatile Throwable failure;

    Loop(int n, int chunks, RangeBody body, Thread caller) {
      this.n = n;
      this.chunks = chunks;
      this.body = body;
      this.caller = caller;
      this.remaining = new AtomicInteger(chunks);
    }

    void work() {
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        try {
          body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
        } catch (Throwable t) {
          failure = t;
        } finally {
          if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(caller);
          }
        }
      }
    }

    void await() {
      while (remaining.get() > 0) {
        LockSupport.park(this);
      }
      Throwable t = failure;
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error e) {
        throw e;
      }
    }
  }

  private static int defaultParallelism() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * A pool of {@code parallelism - 1} daemon threads; the caller is the last one. A replaced pool is
   * not shut down, since a caller may still be using it: its idle threads end after a minute.
   */
  private static final class Workers {
    final int parallelism;
    final ThreadPoolExecutor executor;

    Workers(int parallelism) {
      this.parallelism = parallelism;
      if (parallelism <= 1) {
        this.executor = null;
        return;
      }
      this.executor = new ThreadPoolExecutor(parallelism - 1, parallelism - 1, 60, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "dualstream-compute-" + THREAD_NUMBER.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      executor.allowCoreThreadTimeOut(true);
    }
  }
}
