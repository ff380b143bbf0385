package dev.dualstream.deploy.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentReportTest {

  @Test
  void jsonHasTheIssuesShapeWithNullForNoCache() throws Exception {
    ExperimentReport report = new ExperimentReport("tiny", 640, 32, 42, 6, List.of(
        new SettingResult("in-batch", "in-batch", null, 0.5, 0.25, 1.2345, 6.17, 1.5, 20, 4, 1, 1, 0.3, 0,
            Double.NaN, Double.NaN, Double.NaN),
        new SettingResult("cache-4096", "cache", 4096, 0.6, 0.3, 2.0, 10.0, 8.0, 20, 8, 1, 1, 1.1, 512, 0.02, 0.1,
            3.25)));
    JsonNode root = new ObjectMapper().readTree(report.toJson());
    assertEquals("tiny", root.get("dataset").asText());
    assertEquals(640, root.get("examples").asInt());
    JsonNode first = root.get("settings").get(0);
    assertTrue(first.get("cache_size").isNull());
    assertTrue(first.get("cache_staleness_mean").isNull());
    assertEquals(0.5, first.get("recall@10").asDouble());
    assertEquals(0.25, first.get("mrr@10").asDouble());
    assertEquals(1.235, first.get("seconds").asDouble());
    assertEquals(6.2, first.get("ms_per_step").asDouble());
    JsonNode second = root.get("settings").get(1);
    assertEquals(4096, second.get("cache_size").asInt());
    assertEquals("cache", second.get("negatives").asText());
    assertEquals(0.02, second.get("cache_staleness_mean").asDouble());
    assertEquals(3.25, second.get("sampling_ms_at_capacity").asDouble());
    assertTrue(report.table().contains("cache-4096"), report.table());
  }

  @Test
  void settingsAreTheIssuesInOrderAndUnknownNamesAreRefused() {
    List<String> names = ExperimentSetting.standard(16384, 500).stream().map(ExperimentSetting::name).toList();
    assertEquals(List.of("in-batch", "cache-4096", "cache-16384", "cache-65536", "cache-16384-top64",
        "cache-16384-no-refresh", "full-softmax"), names);
    ExperimentSetting top = ExperimentSetting.standard(16384, 500).get(4);
    assertEquals(64, top.negatives().cacheTopK());
    assertEquals(false, ExperimentSetting.standard(16384, 500).get(5).negatives().cacheRefreshSampled());
    assertEquals(List.of("in-batch+uniform", "in-batch"), ExperimentSetting.select(
        List.of("in-batch+uniform", " in-batch"), 16384, 500).stream().map(ExperimentSetting::name).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExperimentSetting.select(List.of("cache-7"), 16384, 500));
    assertTrue(e.getMessage().contains("unknown setting 'cache-7'") && e.getMessage().contains("full-softmax"));
    assertThrows(IllegalArgumentException.class,
        () -> new NegativesExperimentOptions(Path.of("x"), 10, 0, 1, 32, List.of(), 16384, 500));
  }
}
