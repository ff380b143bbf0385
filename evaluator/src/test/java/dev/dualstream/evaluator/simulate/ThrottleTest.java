package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottleTest {
  private long now = 1_000_000_000L;
  private final List<Long> sleeps = new ArrayList<>();

  @Test
  void sleepsUntilEachEventIsDue() {
    Throttle throttle = new Throttle(100, () -> now, nanos -> {
      sleeps.add(nanos);
      now += nanos;
    });
    for (int i = 0; i < 5; i++) {
      throttle.pace();
    }
    assertEquals(List.of(10_000_000L, 10_000_000L, 10_000_000L, 10_000_000L, 10_000_000L), sleeps);
  }

  @Test
  void aSlowProducerIsNotSlowedFurther() {
    Throttle throttle = new Throttle(100, () -> now, nanos -> {
      sleeps.add(nanos);
      now += nanos;
    });
    throttle.pace();
    now += 50_000_000L;
    throttle.pace();
    throttle.pace();
    assertEquals(List.of(10_000_000L), sleeps, "behind schedule after a slow stretch: no sleeping");
  }

  @Test
  void unboundedRateNeverSleeps() {
    Throttle throttle = new Throttle(0, () -> now, nanos -> sleeps.add(nanos));
    for (int i = 0; i < 100; i++) {
      throttle.pace();
    }
    assertEquals(List.of(), sleeps);
  }
}
