package dev.dualstream.deploy.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * What one run of {@link IngestBenchmark} measured: the medians over its rounds, then every round.
 * JSON keys are the snake_case field names.
 *
 * @param eventsPerS ingest: input events over seconds from start to caught up, the median of the rounds
 * @param rawEventsPerS the raw copy's events per second, the median of the rounds
 * @param ratio the median of the rounds' ratios (each round's ingest over the same round's raw copy)
 * @param examples training examples ingest committed (the median of the rounds; they should agree)
 * @param deadLetters dead letters ingest committed (the median of the rounds)
 * @param events input events: documents + impressions + clicks
 * @param documents documents in the input
 * @param impressions impressions in the input
 * @param clicks clicks in the input
 * @param seed seed of the click simulator
 * @param impressionIntervalMs simulated event time between two searches
 * @param cores processors this JVM saw
 * @param loadAverageStart one-minute load average before the first round
 * @param loadAverageEnd one-minute load average after the last round
 * @param rounds every round, in the order they ran
 */
public record IngestBenchResult(double eventsPerS, double rawEventsPerS, double ratio, long examples,
    long deadLetters, long events, long documents, long impressions, long clicks, long seed,
    long impressionIntervalMs, int cores,
    double loadAverageStart, double loadAverageEnd, List<Round> rounds) {

  /**
   * One round: a raw copy and an ingest pass over the same input, one after the other.
   *
   * @param round 1-based
   * @param rawFirst whether the raw copy ran before ingest in this round
   * @param eventsPerS ingest's input events over {@code ingestSeconds}
   * @param rawEventsPerS the raw copy's input events over {@code rawSeconds}
   * @param ratio {@code eventsPerS / rawEventsPerS}
   * @param ingestSeconds from calling start to every input offset committed
   * @param ingestStartSeconds until start returned: topic checks and the document store loaded
   * @param ingestRunningSeconds until the main instance was RUNNING (group formed, internal topics made)
   * @param processingEventsPerS input events over the seconds from RUNNING to caught up
   * @param rawSeconds from creating the raw copy's clients to its last commit
   * @param rawFirstRecordSeconds until the raw copy's first record (its group join)
   * @param rawTransactions transactions the raw copy committed
   * @param ingestCpuS CPU seconds of this JVM during the ingest pass
   * @param ingestBrokerCpuS CPU seconds of the broker during the ingest pass
   * @param rawCpuS CPU seconds of this JVM during the raw copy
   * @param rawBrokerCpuS CPU seconds of the broker during the raw copy
   * @param examples training examples committed by this round's ingest pass
   * @param deadLetters dead letters committed by this round's ingest pass
   */
  public record Round(int round, boolean rawFirst, double eventsPerS, double rawEventsPerS, double ratio,
      double ingestSeconds, double ingestStartSeconds, double ingestRunningSeconds, double processingEventsPerS,
      double rawSeconds, double rawFirstRecordSeconds, long rawTransactions, double ingestCpuS,
      double ingestBrokerCpuS, double rawCpuS, double rawBrokerCpuS, long examples, long deadLetters) {

    /** One line for the console. */
    public String line() {
      return String.format(Locale.ROOT, "round %d (%s): ingest %,.0f events/s (%.1f s: start %.1f, RUNNING %.1f),"
          + " raw %,.0f events/s (%.1f s), ratio %.3f; %,d examples, %,d dead letters; CPU s ingest %.1f + broker %.1f,"
          + " raw %.1f + broker %.1f", round, rawFirst ? "raw first" : "ingest first", eventsPerS, ingestSeconds,
          ingestStartSeconds, ingestRunningSeconds, rawEventsPerS, rawSeconds, ratio, examples, deadLetters,
          ingestCpuS, ingestBrokerCpuS, rawCpuS, rawBrokerCpuS);
    }
  }

  public IngestBenchResult {
    rounds = List.copyOf(rounds);
  }

  /** The medians of {@code rounds} with the input's description. */
  public static IngestBenchResult of(List<Round> rounds, long documents, long impressions, long clicks, long seed,
      long impressionIntervalMs, int cores, double loadAverageStart, double loadAverageEnd) {
    if (rounds.isEmpty()) {
      throw new IllegalArgumentException("no rounds");
    }
    return new IngestBenchResult(median(rounds, Round::eventsPerS), median(rounds, Round::rawEventsPerS),
        median(rounds, Round::ratio), Math.round(median(rounds, Round::examples)),
        Math.round(median(rounds, Round::deadLetters)), documents + impressions + clicks, documents, impressions,
        clicks, seed, impressionIntervalMs, cores, loadAverageStart, loadAverageEnd, rounds);
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** The figures as a JSON object. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the benchmark result as JSON", e);
    }
  }

  /** A table of the rounds and a line of medians, for a person. */
  public String table() {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "%,d events (%,d documents, %,d impressions %d ms of event time apart, %,d clicks), %d cores,"
            + " load %.2f before, %.2f after%n%n"
            + "round  first   ingest ev/s  raw ev/s  ratio  ingest s  start s  RUNNING s  processing ev/s  examples"
            + "  dead letters%n", events, documents, impressions, impressionIntervalMs, clicks, cores, loadAverageStart, loadAverageEnd));
    for (Round r : rounds) {
      out.append(String.format(Locale.ROOT, "%5d  %-6s  %11.0f  %8.0f  %5.3f  %8.1f  %7.1f  %9.1f  %15.0f  %8d  %12d%n",
          r.round(), r.rawFirst() ? "raw" : "ingest", r.eventsPerS(), r.rawEventsPerS(), r.ratio(), r.ingestSeconds(),
          r.ingestStartSeconds(), r.ingestRunningSeconds(), r.processingEventsPerS(), r.examples(), r.deadLetters()));
    }
    out.append(String.format(Locale.ROOT, "median         %11.0f  %8.0f  %5.3f  %8.1f  %7.1f  %9.1f  %15.0f  %8d  %12d",
        eventsPerS, rawEventsPerS, ratio, median(rounds, Round::ingestSeconds),
        median(rounds, Round::ingestStartSeconds), median(rounds, Round::ingestRunningSeconds),
        median(rounds, Round::processingEventsPerS), examples, deadLetters));
    return out.toString();
  }

  /** The median; of an even count, the mean of the middle two. */
  static double median(List<Round> rounds, ToDoubleFunction<Round> figure) {
    double[] values = rounds.stream().mapToDouble(figure).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}
