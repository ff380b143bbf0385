package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The training thread runs steps in the order handed over, on one thread; a call sees every step
 * handed over before it; no more than its capacity of steps is ever outstanding; a failed step is
 * rethrown and reported, and close still runs its last action; a closed {@link StepGate} holds steps.
 */
class TrainingThreadTest {

  @Test
  void stepsRunInOrderOnOneThreadAndACallSeesThemAll() throws Exception {
    List<Integer> applied = new ArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    try (TrainingThread thread = new TrainingThread("step-test", 2, t -> { })) {
      for (int i = 0; i < 500; i++) {
        int step = i;
        thread.submit(() -> {
          threads.add(Thread.currentThread());
          applied.add(step);
        });
        if (i % 97 == 0) {
          assertEquals(i + 1, thread.call(applied::size), "a call after step " + i + " sees it applied");
        }
      }
      thread.drain();
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        expected.add(i);
      }
      assertEquals(expected, thread.call(() -> new ArrayList<>(applied)));
      assertEquals(1, threads.stream().distinct().count());
      assertTrue(threads.get(0) != Thread.currentThread());
    }
  }

  @Test
  void aHandOverWaitsWhileTheCapacityIsTaken() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger handedOver = new AtomicInteger();
    try (TrainingThread thread = new TrainingThread("step-test", 2, t -> { })) {
      Thread producer = new Thread(() -> {
        try {
          for (int i = 0; i < 5; i++) {
            thread.submit(() -> awaitQuietly(release));
            handedOver.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      producer.start();
      // the steps block, so the producer either parks on a full hand-off or (if unbounded) finishes
      while (producer.getState() != Thread.State.WAITING && producer.getState() != Thread.State.TERMINATED) {
        Thread.onSpinWait();
      }
      assertEquals(2, handedOver.get(), "one step running and one queued; the third hand-over waits");
      release.countDown();
      producer.join();
      thread.drain();
      assertEquals(5, handedOver.get());
    }
  }

  @Test
  void aFailedStepIsRethrownReportedOnceAndSkipsLaterSteps() throws Exception {
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    AtomicInteger ranAfter = new AtomicInteger();
    AtomicInteger closed = new AtomicInteger();
    TrainingThread thread = new TrainingThread("step-test", 1, reported::add);
    IllegalArgumentException boom = new IllegalArgumentException("id 99999 outside 0..1024");
    thread.submit(() -> {
      throw boom;
    });
    Exception e = assertThrows(Exception.class, () -> {
      for (int i = 0; i < 10; i++) {
        thread.submit(ranAfter::incrementAndGet);
      }
      thread.drain();
    });
    assertSame(boom, e.getCause());
    assertTrue(e.getMessage().contains("a training step failed") && e.getMessage().contains("outside 0..1024"),
        e.getMessage());
    assertThrows(TrainingThread.TrainingFailedException.class, () -> thread.call(() -> 1));
    thread.close(closed::incrementAndGet);
    assertEquals(List.of(boom), reported);
    assertEquals(0, ranAfter.get(), "steps after a failure are not applied");
    assertEquals(1, closed.get(), "close runs its last action after a failure");
  }

  @Test
  void whatACallThrowsGoesToItsCallerAndLaterWorkGoesOn() throws Exception {
    try (TrainingThread thread = new TrainingThread("step-test", 1, t -> { })) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> thread.call(() -> {
        throw new IllegalStateException("disk full");
      }));
      assertEquals("disk full", e.getMessage());
      assertEquals(7, thread.call(() -> 7));
    }
  }

  @Test
  void aClosedGateHoldsStepsUntilItOpens() throws Exception {
    AtomicInteger applied = new AtomicInteger();
    try (TrainingThread thread = new TrainingThread("step-test", 4, t -> { })) {
      StepGate.close();
      assertTrue(StepGate.isClosed());
      thread.submit(applied::incrementAndGet);
      thread.submit(applied::incrementAndGet);
      Thread.sleep(200);
      assertEquals(0, applied.get(), "no step runs while the gate is closed");
      StepGate.open();
      thread.drain();
      assertEquals(2, applied.get());
      thread.submit(applied::incrementAndGet);
      thread.drain();
      assertEquals(3, applied.get(), "an open gate does not hold steps");
    } finally {
      StepGate.open();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
