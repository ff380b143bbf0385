package dev.dualstream.evaluator.simulate;

/** The clock a live simulation runs on: the system's, or a test's that moves only when slept on. */
interface LiveClock {
  long nanoTime();

  long currentTimeMillis();

  /** Returns once {@link #nanoTime()} has reached {@code nanos} (at once if it has). */
  void sleepUntil(long nanos);

  LiveClock SYSTEM = new LiveClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }

    @Override
    public void sleepUntil(long nanos) {
      long wait = nanos - System.nanoTime();
      if (wait <= 0) {
        return;
      }
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("simulation interrupted", e);
      }
    }
  };
}
