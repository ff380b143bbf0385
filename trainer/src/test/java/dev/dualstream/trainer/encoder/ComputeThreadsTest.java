package dev.dualstream.trainer.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ComputeThreadsTest {

  @AfterEach
  void restoreThreads() {
    ComputeThreads.apply(1);
  }

  @Test
  void parallelForVisitsEveryIndexExactlyOnce() {
    for (int threads : new int[] {1, 2, 4}) {
      ComputeThreads.apply(threads);
      assertEquals(threads, ComputeThreads.parallelism());
      for (int n : new int[] {0, 1, 7, 100, 10_001}) {
        AtomicIntegerArray visits = new AtomicIntegerArray(n);
        ComputeThreads.parallelFor(n, 3, (from, to) -> {
          for (int i = from; i < to; i++) {
            visits.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertEquals(1, visits.get(i), "index " + i + " of " + n + " on " + threads + " threads");
        }
      }
    }
  }

  @Test
  void aFailureInAnyRangeReachesTheCaller() {
    ComputeThreads.apply(2);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ComputeThreads.parallelFor(1000, 10, (from, to) -> {
          if (from <= 990 && 990 < to) {
            throw new IllegalStateException("range with 990");
          }
        }));
    assertEquals("range with 990", e.getMessage());
    // The pool survives a failed loop.
    AtomicIntegerArray visits = new AtomicIntegerArray(50);
    ComputeThreads.parallelFor(50, 1, (from, to) -> visits.incrementAndGet(from));
    assertEquals(1, visits.get(0));
  }
}
