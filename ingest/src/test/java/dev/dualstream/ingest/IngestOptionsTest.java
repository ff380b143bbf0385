package dev.dualstream.ingest;

import dev.dualstream.schemas.KafkaConnection;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class IngestOptionsTest {

  @Test
  void defaultsMatchTheDocumentedTable() {
    IngestOptions o = IngestOptions.defaults();
    assertEquals("dualstream-ingest", o.applicationId());
    assertEquals(Duration.ofMinutes(30), o.joinWindow());
    assertEquals(Duration.ofMinutes(5), o.grace());
    assertEquals(Duration.ofHours(1), o.dedupRetention());
    assertEquals(Duration.ofMillis(100), o.commitInterval());
    assertEquals(-1, o.replicationFactor());
    assertEquals(Path.of("var", "ingest"), o.stateDir());
    assertEquals("exactly_once_v2", o.processingGuarantee());
    assertEquals(2, o.numThreads());
    assertEquals("dualstream-ingest-documents", o.documentCheckApplicationId());
  }

  @Test
  void parsesEveryKeyAndDurationForm() {
    IngestOptions o = IngestOptions.parse(Map.of(
        "application.id", "ingest-test", "join.window", "PT10M", "join.grace", "30s", "dedup.retention", "2h",
        "commit.interval", "250ms", "replication.factor", "1", "state.dir", "build/state",
        "processing.guarantee", "at_least_once", "num.threads", "3"));
    assertEquals(IngestOptions.builder().applicationId("ingest-test").joinWindow(Duration.ofMinutes(10))
        .grace(Duration.ofSeconds(30)).dedupRetention(Duration.ofHours(2)).commitInterval(Duration.ofMillis(250))
        .replicationFactor(1).stateDir(Path.of("build/state")).processingGuarantee("at_least_once").numThreads(3)
        .build(), o);
    assertEquals(Duration.ofDays(1), IngestOptions.parseDuration("1d"));
  }

  @Test
  void valuesNameEveryOptionAndParseBackToEqualOptions() {
    IngestOptions o = IngestOptions.builder().applicationId("values-test").joinWindow(Duration.ofMinutes(7))
        .grace(Duration.ofMillis(1_500)).dedupRetention(Duration.ofHours(3)).commitInterval(Duration.ofMillis(250))
        .replicationFactor(1).stateDir(Path.of("some", "state")).processingGuarantee("at_least_once").numThreads(3)
        .maxAhead(Duration.ofHours(2)).maxFuture(Duration.ofMinutes(90)).minDwell(Duration.ZERO)
        .documentWait(Duration.ofSeconds(4)).stateStore(IngestOptions.StateStore.MEMORY)
        .sessionTimeout(Duration.ofSeconds(6)).build();

    assertEquals(IngestOptions.OPTIONS.stream().map(IngestOptions.Option::key).toList(), List.copyOf(o.values().keySet()));
    assertEquals(o, IngestOptions.parse(o.values()));
    assertEquals(IngestOptions.defaults(), IngestOptions.parse(IngestOptions.defaults().values()));
  }

  @Test
  void streamsConfigCarriesTheOptions() {
    IngestOptions o = IngestOptions.builder().replicationFactor(1).stateDir(Path.of("st")).build();
    Properties p = IngestApp.streamsConfig(o, o.applicationId(), KafkaConnection.plaintext("h:1"));
    assertEquals("exactly_once_v2", p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("100", p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    assertEquals("1", p.get(StreamsConfig.REPLICATION_FACTOR_CONFIG));
    assertEquals("st", p.get(StreamsConfig.STATE_DIR_CONFIG));
    assertEquals("h:1", p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
    assertEquals("45000", p.get("consumer.session.timeout.ms"));
    assertEquals("3000", p.get("consumer.heartbeat.interval.ms"));
  }

  @Test
  void aShortSessionGetsHeartbeatsAThirdOfItApart() {
    IngestOptions o = IngestOptions.builder().sessionTimeout(Duration.ofSeconds(6)).build();
    Properties p = IngestApp.streamsConfig(o, o.applicationId(), KafkaConnection.plaintext("h:1"));
    assertEquals("6000", p.get("consumer.session.timeout.ms"));
    assertEquals("2000", p.get("consumer.heartbeat.interval.ms"));
  }

  @Test
  void badValuesAreRefusedWithTheKeyAndTheReason() {
    assertMessage("unknown ingest option 'join.windw'", Map.of("join.windw", "1m"));
    assertMessage("join.window: 'soon' is not a duration", Map.of("join.window", "soon"));
    assertMessage("num.threads: 'two' is not a whole number", Map.of("num.threads", "two"));
    assertMessage("join.window must be positive", Map.of("join.window", "0s"));
    assertMessage("dedup.retention (PT20M) must be at least join.window + join.grace (PT35M)",
        Map.of("dedup.retention", "20m"));
    assertMessage("replication.factor must be -1 (broker default) or at least 1", Map.of("replication.factor", "0"));
    assertMessage("processing.guarantee must be exactly_once_v2 or at_least_once",
        Map.of("processing.guarantee", "exactly_once"));
    assertMessage("application.id must be non-empty", Map.of("application.id", "a b"));
  }

  @Test
  void helpListsEveryOption() {
    String help = IngestOptions.help();
    IngestOptions.OPTIONS.forEach(o -> assertTrue(help.contains(o.key()) && help.contains(o.description()), o.key()));
  }

  @Test
  void joinInputsMustBeCoPartitioned() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TopicLayout.requireCoPartitioned(
        Map.of(Topics.IMPRESSIONS.name(), 3, Topics.CLICKS.name(), 2)));
    assertTrue(e.getMessage().startsWith("search.impressions has 3 partition(s) but search.clicks has 2"),
        e.getMessage());
    TopicLayout.requireCoPartitioned(Map.of(Topics.IMPRESSIONS.name(), 4, Topics.CLICKS.name(), 4));
  }

  private static void assertMessage(String start, Map<String, String> values) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IngestOptions.parse(values));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }
}
