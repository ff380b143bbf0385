package dev.dualstream.evaluator.simulate;

import java.time.Duration;

/**
 * How a live simulation paces itself.
 *
 * @param rate searches per second of wall-clock time
 * @param duration how long to search; null: until stopped (or the configured number of searches)
 * @param publishCorpus whether the corpus goes out first (version 1 of every document); a simulator
 *     restarted against a broker that has it already can skip it
 */
public record LiveSchedule(double rate, Duration duration, boolean publishCorpus) {
  public LiveSchedule {
    if (!(rate > 0 && rate <= 1_000_000)) {
      throw new IllegalArgumentException("rate must be in (0, 1000000] searches per second, was " + rate);
    }
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      throw new IllegalArgumentException("duration must be positive, was " + duration);
    }
  }
}
