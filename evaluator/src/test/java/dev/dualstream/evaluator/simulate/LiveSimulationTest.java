package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.testing.RecordingSink;
import dev.dualstream.evaluator.testing.TinyDatasets;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The simulator at a live rate, on a clock that moves only when slept on, and its traffic model. */
class LiveSimulationTest {
  private static final long WALL_START = 1_800_000_000_000L;
  private final BeirDataset dataset = TinyDatasets.packages();

  /** A clock at {@link #WALL_START} whose time passes only in sleeps. */
  private static final class TestClock implements LiveClock {
    long nanos;

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public long currentTimeMillis() {
      return WALL_START + nanos / 1_000_000;
    }

    @Override
    public void sleepUntil(long until) {
      nanos = Math.max(nanos, until);
    }
  }

  @Test
  void searchesAtTheRateForTheDurationAndSendsEachClickWhenItsTimeComes() {
    RecordingSink sink = new RecordingSink();
    TestClock clock = new TestClock();
    SimulationResult result = live(SimulationConfig.defaults(5, Long.MAX_VALUE),
        new LiveSchedule(4, Duration.ofSeconds(30), true), sink, clock);

    assertEquals(120, result.impressions(), "4 searches a second for 30 s");
    assertEquals(dataset.corpus().size(), result.documents());
    List<RecordingSink.Sent> events = sink.sent().subList(dataset.corpus().size(), sink.sent().size());
    long previous = 0;
    Map<String, Long> impressionTimes = new HashMap<>();
    for (RecordingSink.Sent s : events) {
      assertTrue(s.timestamp() >= previous, "sent in time order: the wall clock stamps every event");
      previous = s.timestamp();
      if (s.value() instanceof Impression i) {
        impressionTimes.put(i.getImpressionId(), s.timestamp());
      } else {
        Click c = (Click) s.value();
        long gap = c.getTimestamp().toEpochMilli() - impressionTimes.get(c.getImpressionId());
        assertTrue(gap >= 2_000 && gap < 13_000, "a click 1 + position seconds after its search: " + gap);
      }
    }
    assertEquals(WALL_START + 29_750, impressionTimes.values().stream().mapToLong(Long::longValue).max().orElseThrow(),
        "the last search at 29.75 s");
    assertEquals(result.clicks(), sink.values(Topics.CLICKS).size(), "clicks pending at the end went out too");
    assertTrue(result.clicks() > 20, "clicks: " + result.clicks());
  }

  @Test
  void theSameSeedGivesTheSameSearchesWhateverTheClock() {
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    LiveSchedule schedule = new LiveSchedule(10, Duration.ofSeconds(20), false);
    live(SimulationConfig.defaults(9, Long.MAX_VALUE), schedule, a, new TestClock());
    TestClock later = new TestClock();
    later.nanos = 123_456_789_000L;
    live(SimulationConfig.defaults(9, Long.MAX_VALUE), schedule, b, later);
    assertEquals(ids(a), ids(b));
  }

  @Test
  void stopsWhenToldAndStillSendsThePendingClicks() {
    RecordingSink sink = new RecordingSink();
    TestClock clock = new TestClock();
    SimulationResult result;
    try (ClickSimulator simulator = ClickSimulator.create(dataset, SimulationConfig.defaults(3, Long.MAX_VALUE))) {
      result = simulator.runLive(sink, new LiveSchedule(10, null, false), SimulationProgress.none(),
          () -> clock.nanos >= Duration.ofSeconds(5).toNanos(), clock);
    }
    assertTrue(result.impressions() >= 49 && result.impressions() <= 51, "about 5 s at 10/s: " + result.impressions());
    Set<String> shown = sink.values(Topics.IMPRESSIONS).stream().map(Impression::getImpressionId).collect(Collectors.toSet());
    assertTrue(sink.values(Topics.CLICKS).stream().allMatch(c -> shown.contains(c.getImpressionId())));
    assertEquals(result.clicks(), sink.values(Topics.CLICKS).size());
  }

  @Test
  void zipfMakesTheTopQueryFarMoreCommonThanUniform() {
    int searches = 4_000;
    Map<String, Long> uniform = queryCounts(SimulationConfig.defaults(1, searches));
    Map<String, Long> zipf = queryCounts(SimulationConfig.defaults(1, searches).withTraffic(new Traffic(1.2, 1, 0)));
    long topUniform = uniform.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    long topZipf = zipf.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    int pool = uniform.size();
    assertTrue(topUniform < 3.0 * searches / pool, "uniform: no query far above its share, top " + topUniform);
    assertTrue(topZipf > 0.25 * searches, "Zipf 1.2: the top query takes a quarter or more, top " + topZipf
        + " of " + searches + " over " + pool + " queries");
  }

  @Test
  void sessionsLastAsLongAsTheMeanSaysAndKeepTheirUser() {
    int searches = 6_000;
    RecordingSink sink = new RecordingSink();
    try (ClickSimulator simulator = ClickSimulator.create(dataset,
        SimulationConfig.defaults(2, searches).withTraffic(new Traffic(0, 4, 0)))) {
      simulator.run(sink, SimulationProgress.none());
    }
    Map<String, Set<String>> usersBySession = new HashMap<>();
    for (Impression i : sink.values(Topics.IMPRESSIONS)) {
      usersBySession.computeIfAbsent(i.getSessionId(), k -> new HashSet<>()).add(i.getUserId());
    }
    double mean = (double) searches / usersBySession.size();
    assertTrue(mean > 3.6 && mean < 4.4, "mean session length " + mean);
    assertTrue(usersBySession.values().stream().allMatch(u -> u.size() == 1), "one user per session");
  }

  @Test
  void documentsChangeAtTheConfiguredRateWithRisingVersions() {
    int searches = 2_000;
    RecordingSink sink = new RecordingSink();
    try (ClickSimulator simulator = ClickSimulator.create(dataset,
        SimulationConfig.defaults(4, searches).withTraffic(new Traffic(0, 1, 0.1)))) {
      simulator.run(sink, SimulationProgress.none());
    }
    List<Document> revisions = sink.values(Topics.DOCUMENTS).subList(dataset.corpus().size(),
        sink.values(Topics.DOCUMENTS).size());
    assertTrue(revisions.size() > 150 && revisions.size() < 250, "about 0.1 per search: " + revisions.size());
    Map<String, Long> last = new HashMap<>();
    for (Document d : revisions) {
      assertEquals(last.getOrDefault(d.getDocId(), 1L) + 1, d.getVersion(), "each revision one version up");
      assertTrue(d.getText().endsWith("(revision " + d.getVersion() + ")"));
      last.put(d.getDocId(), d.getVersion());
    }
  }

  @Test
  void refusesBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new LiveSchedule(0, null, true));
    assertThrows(IllegalArgumentException.class, () -> new LiveSchedule(5, Duration.ZERO, true));
    assertThrows(IllegalArgumentException.class, () -> new Traffic(-1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Traffic(0, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new Traffic(0, 1, 2));
  }

  private SimulationResult live(SimulationConfig config, LiveSchedule schedule, RecordingSink sink, TestClock clock) {
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      return simulator.runLive(sink, schedule, SimulationProgress.none(), () -> false, clock);
    }
  }

  private Map<String, Long> queryCounts(SimulationConfig config) {
    RecordingSink sink = new RecordingSink();
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      simulator.run(sink, SimulationProgress.none());
    }
    return sink.values(Topics.IMPRESSIONS).stream().collect(Collectors.groupingBy(Impression::getQueryId, Collectors.counting()));
  }

  private static List<String> ids(RecordingSink sink) {
    return sink.sent().stream().map(s -> s.topic() + "/" + s.key() + "/"
        + (s.value() instanceof Click c ? c.getDocId() : s.value() instanceof Impression i ? i.getQueryId() : "")).toList();
  }
}
