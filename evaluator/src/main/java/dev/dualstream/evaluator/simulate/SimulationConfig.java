package dev.dualstream.evaluator.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the click simulator does. Start from {@link #defaults(long, long)} and adjust with the
 * {@code with...} methods.
 *
 * @param seed the only source of randomness: same seed and dataset, same events
 * @param impressions number of searches to simulate
 * @param relevantClickProbability chance that an examined relevant result is clicked
 * @param irrelevantClickProbability chance that an examined non-relevant result is clicked (noise)
 * @param rescueProbability chance that a relevant document missing from BM25's top 10 is shown anyway
 * @param split the qrels split whose queries users issue (normally "train")
 * @param users number of distinct simulated user ids
 * @param start event time of the documents; the first impression follows one interval later
 * @param impressionInterval simulated time between impressions; clicks come 2 to 12 s after their
 *     impression, so an interval above 12 s keeps event time increasing along the output
 * @param maxEventsPerSecond upper bound on the real publishing rate; 0 means unbounded
 * @param progressEvery how many events between two progress reports
 * @param traffic query popularity, sessions and document changes ({@link Traffic#UNIFORM} by default)
 * @param exploration how often and how far the shown ranking departs from the ranker's ({@link
 *     Exploration#NONE} by default)
 */
public record SimulationConfig(long seed, long impressions, double relevantClickProbability,
    double irrelevantClickProbability, double rescueProbability, String split, int users, Instant start,
    Duration impressionInterval, double maxEventsPerSecond, long progressEvery, Traffic traffic,
    Exploration exploration) {

  /** Default event time origin: a fixed instant, so runs are reproducible. */
  public static final Instant DEFAULT_START = Instant.parse("2025-01-01T00:00:00Z");

  public SimulationConfig {
    Objects.requireNonNull(split, "split");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(impressionInterval, "impressionInterval");
    Objects.requireNonNull(traffic, "traffic");
    Objects.requireNonNull(exploration, "exploration");
    if (impressions < 0) {
      throw new IllegalArgumentException("impressions must not be negative, was " + impressions);
    }
    requireProbability("relevant click probability", relevantClickProbability);
    requireProbability("irrelevant click probability", irrelevantClickProbability);
    requireProbability("rescue probability", rescueProbability);
    if (users < 1) {
      throw new IllegalArgumentException("users must be at least 1, was " + users);
    }
    if (impressionInterval.isNegative()) {
      throw new IllegalArgumentException("impression interval must not be negative");
    }
    if (maxEventsPerSecond < 0 || Double.isNaN(maxEventsPerSecond)) {
      throw new IllegalArgumentException("max events per second must be 0 (unbounded) or positive");
    }
    if (progressEvery < 1) {
      throw new IllegalArgumentException("progressEvery must be at least 1, was " + progressEvery);
    }
  }

  /**
   * Clicks 0.9 on relevant and 0.02 on other examined results, rescue 0.5, train split, 1000 users,
   * start {@link #DEFAULT_START}, 15 s between impressions, unbounded rate, progress every 10,000 events,
   * uniform traffic.
   */
  public static SimulationConfig defaults(long seed, long impressions) {
    return new SimulationConfig(seed, impressions, 0.9, 0.02, 0.5, "train", 1000, DEFAULT_START,
        Duration.ofSeconds(15), 0, 10_000, Traffic.UNIFORM, Exploration.NONE);
  }

  public SimulationConfig withImpressions(long count) {
    return new SimulationConfig(seed, count, relevantClickProbability, irrelevantClickProbability, rescueProbability,
        split, users, start, impressionInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withClickProbabilities(double relevant, double irrelevant) {
    return new SimulationConfig(seed, impressions, relevant, irrelevant, rescueProbability, split, users, start,
        impressionInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withRescueProbability(double probability) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        probability, split, users, start, impressionInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withSplit(String newSplit) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, newSplit, users, start, impressionInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withUsers(int newUsers) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, newUsers, start, impressionInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withClock(Instant newStart, Duration newInterval) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, users, newStart, newInterval, maxEventsPerSecond, progressEvery, traffic, exploration);
  }

  public SimulationConfig withMaxEventsPerSecond(double rate) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, users, start, impressionInterval, rate, progressEvery, traffic, exploration);
  }

  public SimulationConfig withProgressEvery(long events) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, users, start, impressionInterval, maxEventsPerSecond, events, traffic, exploration);
  }

  public SimulationConfig withTraffic(Traffic newTraffic) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, users, start, impressionInterval, maxEventsPerSecond, progressEvery, newTraffic, exploration);
  }

  public SimulationConfig withExploration(Exploration value) {
    return new SimulationConfig(seed, impressions, relevantClickProbability, irrelevantClickProbability,
        rescueProbability, split, users, start, impressionInterval, maxEventsPerSecond, progressEvery, traffic, value);
  }

  private static void requireProbability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + p);
    }
  }
}
