package dev.dualstream.evaluator.simulate;

import java.util.function.LongSupplier;

/**
 * Keeps the real publishing rate at or below a bound by sleeping until each event's due time
 * (start + n / rate). Catching up after a slow stretch is allowed, so the average rate holds.
 */
final class Throttle {
  private static final long MIN_SLEEP_NANOS = 1_000_000;

  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private final double eventsPerSecond;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private long start = Long.MIN_VALUE;
  private long events;

  Throttle(double eventsPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    this.eventsPerSecond = eventsPerSecond;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  static Throttle of(double eventsPerSecond) {
    return new Throttle(eventsPerSecond, System::nanoTime,
        nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
  }

  /** Called after each event; returns once the next event may go. */
  void pace() {
    if (eventsPerSecond <= 0) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (start == Long.MIN_VALUE) {
      start = now;
    }
    events++;
    long due = start + (long) (events * 1e9 / eventsPerSecond);
    long wait = due - now;
    if (wait >= MIN_SLEEP_NANOS) {
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("simulation interrupted", e);
      }
    }
  }
}
