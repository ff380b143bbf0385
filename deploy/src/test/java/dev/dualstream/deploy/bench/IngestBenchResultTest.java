package dev.dualstream.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.ingest.IngestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ingest benchmark's figures: medians over rounds, the JSON keys the issue names, and its options. */
class IngestBenchResultTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static IngestBenchResult.Round round(int n, double ingest, double raw, long examples) {
    return new IngestBenchResult.Round(n, n % 2 == 1, ingest, raw, ingest / raw, 500_000 / ingest, 2.0, 3.5,
        500_000 / (500_000 / ingest - 3.5), 500_000 / raw, 0.4, 120, 40.0, 20.0, 8.0, 6.0, examples, 0);
  }

  @Test
  void theRatioIsTheMedianOfEachRoundsPairNotTheRatioOfTheMedians() {
    // Round 2 ran on a slow machine: both sides slowed, its ratio is the typical one.
    List<IngestBenchResult.Round> rounds = List.of(
        round(1, 30_000, 60_000, 360_000), round(2, 10_000, 25_000, 360_000), round(3, 32_000, 50_000, 360_000));

    IngestBenchResult result = IngestBenchResult.of(rounds, 32_895, 280_000, 201_000, 42, 15_000, 2, 1.0, 1.5);

    assertEquals(30_000, result.eventsPerS());
    assertEquals(50_000, result.rawEventsPerS());
    assertEquals(0.5, result.ratio(), 1e-12, "median of 0.5, 0.4, 0.64");
    assertEquals(513_895, result.events());
    assertEquals(360_000, result.examples());
  }

  @Test
  void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwo() {
    List<IngestBenchResult.Round> rounds = List.of(round(1, 20_000, 40_000, 10), round(2, 30_000, 40_000, 12));

    IngestBenchResult result = IngestBenchResult.of(rounds, 1, 1, 1, 7, 15_000, 2, 0, 0);

    assertEquals(25_000, result.eventsPerS());
    assertEquals(0.625, result.ratio(), 1e-12);
    assertEquals(11, result.examples());
  }

  @Test
  void theJsonHasTheIssuesKeysAndEveryRound() throws Exception {
    IngestBenchResult result = IngestBenchResult.of(
        List.of(round(1, 30_000, 60_000, 360_000), round(2, 28_000, 70_000, 360_000)), 32_895, 280_000, 201_000,
        42, 15_000, 2, 1.0, 1.5);

    JsonNode json = JSON.readTree(result.toJson());

    for (String key : List.of("events_per_s", "raw_events_per_s", "ratio", "examples", "dead_letters", "events",
        "impression_interval_ms", "rounds")) {
      assertTrue(json.has(key), key + " in " + json);
    }
    assertEquals(2, json.get("rounds").size());
    JsonNode second = json.get("rounds").get(1);
    assertEquals(2, second.get("round").asInt());
    assertEquals(false, second.get("raw_first").asBoolean());
    assertEquals(0.4, second.get("ratio").asDouble(), 1e-12);
    assertTrue(second.has("ingest_start_seconds") && second.has("ingest_broker_cpu_s"), second.toString());
    assertEquals(3, result.table().lines().filter(l -> l.startsWith("    ") || l.startsWith("median")).count(),
        result.table());
  }

  @Test
  void optionsRefuseWhatCannotRun() {
    Path data = Path.of("data");
    Path work = Path.of("work");
    Duration interval = IngestBenchOptions.DEFAULT_IMPRESSION_INTERVAL;
    assertEquals("--rounds must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> new IngestBenchOptions(data, work, 9092, 10, 42, interval, 0, IngestOptions.defaults())).getMessage());
    assertEquals("--impressions must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> new IngestBenchOptions(data, work, 9092, 0, 42, interval, 3, IngestOptions.defaults())).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new IngestBenchOptions(data, work, 65535, 10, 42, interval, 3, IngestOptions.defaults())).getMessage().startsWith("--kafka-port"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new IngestBenchOptions(data, work, 9092, 10, 42, Duration.ofSeconds(-1), 3, IngestOptions.defaults())).getMessage()
        .startsWith("--impression-interval"));
    IngestBenchOptions defaults = IngestBenchOptions.defaults();
    assertEquals(9092, defaults.kafkaPort());
    assertEquals(Duration.ofSeconds(15), defaults.impressionInterval());
  }
}
