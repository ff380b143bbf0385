package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    ModelConfig c = ModelConfig.defaults();
    assertEquals(1 << 20, c.buckets());
    assertEquals(64, c.embeddingDim());
    assertEquals(256, c.hiddenDim());
    assertEquals(128, c.outputDim());
    assertEquals(64, c.maxQueryIds());
    assertEquals(128, c.maxDocIds());
    assertEquals(20.0, c.scale());
    assertEquals(1e-3, c.learningRate());
    assertEquals(c.buckets(), c.featureSpec().buckets());
  }

  @Test
  void jsonRoundTripAndBuilderKeepEveryField() {
    ModelConfig c = ModelConfig.defaults().toBuilder().modelName("student").buckets(4096)
        .dims(8, 16, 4).maxIds(10, 20).scale(7).learningRate(0.01).embeddingLearningRate(0.02)
        .embeddingInitScale(0.3).batchSize(32).inferenceBatchSize(64).threads(1).build();
    assertEquals(c, ModelConfig.fromJson(c.toJson()));
    assertEquals(0.02, c.tableAdam().learningRate());
    assertEquals(0.01, c.denseAdam().learningRate());
  }

  @Test
  void invalidValuesAreRefusedWithTheFieldName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.defaults().toBuilder().dims(64, 0, 128).build());
    assertTrue(e.getMessage().contains("hiddenDim"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.defaults().toBuilder().learningRate(-1).build());
    assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.defaults().toBuilder().threads(-1).build());
    IllegalArgumentException json =
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("[1,2]"));
    assertTrue(json.getMessage().startsWith("not a valid model config"), json.getMessage());
  }
}
