package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentReportTest {

  @Test
  void jsonHasTheIssuesShapeWithNullForNoCache() throws Exception {
    ExperimentReport report = new ExperimentReport("tiny", 640, 32, 42, 0.02, 6, "table Adam lr 0.001", List.of(
        new SettingResult("in-batch", "in-batch", null, 0.5, 0.25, Double.NaN, Double.NaN, 1.2345, 6.17, 1.5, 20, 4, 1, 1, 0.3, 0,
            Double.NaN, Double.NaN, Double.NaN),
        new SettingResult("cache-4096", "cache", 4096, 0.6, 0.3, 0.9, 0.8, 2.0, 10.0, 8.0, 20, 8, 1, 1, 1.1, 512, 0.02, 0.1,
            3.25)));
    JsonNode root = new ObjectMapper().readTree(report.toJson());
    assertEquals("tiny", root.get("dataset").asText());
    assertEquals(640, root.get("examples").asInt());
    assertEquals(0.02, root.get("noise_clicks").asDouble());
    JsonNode first = root.get("settings").get(0);
    assertTrue(first.get("cache_size").isNull());
    assertTrue(first.get("cache_staleness_mean").isNull());
    assertEquals(0.5, first.get("recall@10").asDouble());
    assertEquals(0.25, first.get("mrr@10").asDouble());
    assertTrue(first.get("hybrid_recall@10").isNull(), "a setting scored without the hybrid says so");
    assertEquals(1.235, first.get("seconds").asDouble());
    assertEquals(6.2, first.get("ms_per_step").asDouble());
    JsonNode second = root.get("settings").get(1);
    assertEquals(4096, second.get("cache_size").asInt());
    assertEquals("cache", second.get("negatives").asText());
    assertEquals(0.9, second.get("hybrid_recall@10").asDouble());
    assertEquals(0.8, second.get("hybrid_mrr@10").asDouble());
    assertTrue(report.table().contains("hybrid") && report.table().contains("0.9000  0.8000"), report.table());
    assertEquals(0.02, second.get("cache_staleness_mean").asDouble());
    assertEquals(3.25, second.get("sampling_ms_at_capacity").asDouble());
    assertTrue(report.table().contains("cache-4096"), report.table());
    assertEquals("table Adam lr 0.001", root.get("training").asText());
    assertTrue(report.table().contains("training: table Adam lr 0.001"), report.table());
  }

  @Test
  void cacheSettingsAreNamedByTheirShape() {
    ExperimentSetting s = ExperimentSetting.select(List.of("cache-4096-oldest32"), 16384, 500).get(0);
    assertEquals("cache-4096-oldest32", s.name());
    assertEquals(4096, s.negatives().cacheSize());
    assertEquals(0, s.negatives().cacheTopK());
    assertEquals(32, s.negatives().cacheRefreshOldest());
    assertTrue(s.negatives().cacheRefreshSampled());
    assertEquals(false, s.negatives().inBatch());
    ExperimentSetting both = ExperimentSetting.select(List.of("in-batch+cache-8192-top64"), 16384, 500).get(0);
    assertTrue(both.negatives().inBatch());
    assertEquals(64, both.negatives().cacheTopK());
    assertEquals(0, both.negatives().cacheRefreshOldest());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExperimentSetting.select(List.of("cache-100-top64"), 16384, 500));
    assertTrue(e.getMessage().startsWith("setting 'cache-100-top64': cacheTopK 64 must divide"), e.getMessage());
  }

  @Test
  void trainingIsDescribedForTheReport() {
    ModelConfig adagrad = ModelConfig.defaults().toBuilder()
        .tableOptimizer(dev.dualstream.trainer.optim.TableOptimizer.Kind.ADAGRAD).embeddingLearningRate(0.05)
        .adagradInitialAccumulator(0.1).loss(LossConfig.defaults().withPhuber(4).withLabelBias(0.5)).build();
    assertEquals("table Adagrad (initial accumulator 0.1) lr 0.05, dense Adam lr 0.001, table init scale 0.02, "
        + "loss PHuber tau 4.0, label bias 0.5", ExperimentReport.describeTraining(adagrad));
    assertEquals("table Adagrad (initial accumulator 0.0) lr 0.1, dense Adam lr 0.001, table init scale 0.02, "
        + "loss softmax", ExperimentReport.describeTraining(ModelConfig.defaults()));
    ModelConfig masked = ModelConfig.defaults().toBuilder()
        .negatives(ModelConfig.defaults().negatives().withClickedMemory(1024)).build();
    assertTrue(ExperimentReport.describeTraining(masked).endsWith("loss softmax, clicked documents of 1024 queries"
        + " masked"), ExperimentReport.describeTraining(masked));
  }

  @Test
  void settingsAreTheIssuesInOrderAndUnknownNamesAreRefused() {
    List<String> names = ExperimentSetting.standard(16384, 500).stream().map(ExperimentSetting::name).toList();
    assertEquals(List.of("in-batch", "cache-4096-oldest256", "cache-16384-oldest1024", "cache-65536-oldest4096",
        "cache-16384-top64-oldest1024", "cache-16384-oldest1024-no-writeback", "full-softmax"), names);
    List<ExperimentSetting> standard = ExperimentSetting.standard(16384, 500);
    assertEquals(64, standard.get(4).negatives().cacheTopK());
    assertEquals(false, standard.get(5).negatives().cacheRefreshSampled());
    for (ExperimentSetting cache : standard.subList(1, 6)) {
      assertEquals(cache.negatives().cacheSize() / ExperimentSetting.REFRESH_PERIOD_STEPS,
          cache.negatives().cacheRefreshOldest(), cache.name());
      assertEquals(false, cache.negatives().inBatch(), cache.name());
    }
    assertEquals(List.of("in-batch+uniform", "in-batch"), ExperimentSetting.select(
        List.of("in-batch+uniform", " in-batch"), 16384, 500).stream().map(ExperimentSetting::name).toList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExperimentSetting.select(List.of("cache-x"), 16384, 500));
    assertTrue(e.getMessage().contains("unknown setting 'cache-x'") && e.getMessage().contains("full-softmax"));
    assertThrows(IllegalArgumentException.class,
        () -> new NegativesExperimentOptions(Path.of("x"), 10, 0, 1, 32, List.of(), 16384, 500,
            ModelConfig.defaults(), 0.02));
    IllegalArgumentException noise = assertThrows(IllegalArgumentException.class,
        () -> new NegativesExperimentOptions(Path.of("x"), 96, 0, 1, 32, List.of(), 16384, 500,
            ModelConfig.defaults(), 1.5));
    assertEquals("noise click probability must be in [0, 1], got 1.5", noise.getMessage());
  }
}
