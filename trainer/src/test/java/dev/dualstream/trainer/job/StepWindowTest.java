package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.model.StepResult;
import org.junit.jupiter.api.Test;

/** The metrics window: mean loss and rate, the cache's last size and the mean of finite stalenesses. */
class StepWindowTest {

  @Test
  void cacheFiguresAreTheLastSizeAndTheMeanOfFiniteStalenesses() {
    StepWindow window = new StepWindow(0);
    window.add(result(1, 2.0f, 16, Double.NaN));
    window.add(result(2, 1.0f, 32, 0.25));
    window.add(result(3, 0.0f, 48, 0.75));
    StepWindow.Summary summary = window.takeAndReset(2_000_000_000L, true);
    assertEquals(3, summary.steps());
    assertEquals(1.0, summary.meanLoss(), 1e-12);
    assertEquals(3 * 16 / 2.0, summary.examplesPerS(), 1e-9);
    assertEquals(48, summary.cacheSize());
    assertEquals(0.5, summary.cacheStaleness(), 1e-12, "the NaN of the step without a draw is left out");
    assertTrue(window.isEmpty(), "a new window starts");
  }

  @Test
  void withoutDrawsOrWithoutACacheTheFiguresAreNull() {
    StepWindow window = new StepWindow(0);
    window.add(result(1, 1.0f, 16, Double.NaN));
    StepWindow.Summary first = window.takeAndReset(1_000_000_000L, true);
    assertEquals(16, first.cacheSize());
    assertNull(first.cacheStaleness());
    window.add(result(2, 1.0f, 0, Double.NaN));
    StepWindow.Summary second = window.takeAndReset(2_000_000_000L, false);
    assertNull(second.cacheSize());
    assertNull(second.cacheStaleness());
    assertEquals(16, second.examplesPerS(), 1e-9, "the second window started at the first report");
  }

  private static StepResult result(long step, float loss, int cacheSize, double staleness) {
    return new StepResult(step, 16, loss, 0.5f, 10, 1, 1, 1, cacheSize, staleness);
  }
}
