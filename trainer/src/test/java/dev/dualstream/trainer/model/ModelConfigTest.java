package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.optim.TableOptimizer;
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
    assertEquals(TableOptimizer.Kind.ADAGRAD, c.tableOptimizer());
    assertEquals(0.1, c.embeddingLearningRate());
    assertEquals(0.1, c.tableAdagrad().learningRate());
    assertEquals(0.0, c.adagradInitialAccumulator());
    ModelConfig adam = c.toBuilder().tableOptimizerWithItsLearningRate(TableOptimizer.Kind.ADAM).build();
    assertEquals(TableOptimizer.Kind.ADAM, adam.tableOptimizer());
    assertEquals(1e-3, adam.embeddingLearningRate());
    assertEquals(c.learningRate(), adam.learningRate());
    assertEquals(c, adam.toBuilder().tableOptimizerWithItsLearningRate(TableOptimizer.Kind.ADAGRAD).build());
  }

  @Test
  void jsonRoundTripAndBuilderKeepEveryField() {
    ModelConfig c = ModelConfig.defaults().toBuilder().modelName("student").buckets(4096)
        .dims(8, 16, 4).maxIds(10, 20).scale(7).learningRate(0.01).embeddingLearningRate(0.02)
        .embeddingInitScale(0.3).batchSize(32).inferenceBatchSize(64).threads(1)
        .tableOptimizer(TableOptimizer.Kind.ADAGRAD).adagradInitialAccumulator(0.1).build();
    assertEquals(c, ModelConfig.fromJson(c.toJson()));
    assertTrue(c.toJson().contains("\"tableOptimizer\":\"ADAGRAD\""), c.toJson());
    assertEquals(TableOptimizer.Kind.ADAGRAD, c.tableOptimizer());
    assertEquals(0.02, c.tableAdam().learningRate());
    assertEquals(0.02, c.tableAdagrad().learningRate());
    assertEquals(0.1, c.tableAdagrad().initialAccumulator());
    assertEquals(c.epsilon(), c.tableAdagrad().epsilon());
    assertEquals(0.01, c.denseAdam().learningRate());
  }

  @Test
  void aManifestWrittenBeforeTheTableOptimizerChoiceReadsAsAdam() {
    ModelConfig adam = ModelConfig.defaults().toBuilder().tableOptimizer(TableOptimizer.Kind.ADAM)
        .embeddingLearningRate(1e-3).build();
    String json = adam.toJson()
        .replace("\"tableOptimizer\":\"ADAM\",", "")
        .replace("\"adagradInitialAccumulator\":0.0,", "");
    assertTrue(!json.contains("tableOptimizer") && !json.contains("adagradInitialAccumulator"), json);
    ModelConfig old = ModelConfig.fromJson(json);
    assertEquals(TableOptimizer.Kind.ADAM, old.tableOptimizer());
    assertEquals(adam, old);
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
    IllegalArgumentException accumulator = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.defaults().toBuilder().adagradInitialAccumulator(-0.1).build());
    assertTrue(accumulator.getMessage().contains("initial accumulator"), accumulator.getMessage());
    IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.fromJson(ModelConfig.defaults().toJson()
            .replace("\"tableOptimizer\":\"ADAGRAD\"", "\"tableOptimizer\":\"SGD\"")));
    assertTrue(kind.getMessage().startsWith("not a valid model config"), kind.getMessage());
    IllegalArgumentException json =
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("[1,2]"));
    assertTrue(json.getMessage().startsWith("not a valid model config"), json.getMessage());
  }

  @Test
  void parametersCountTheTrainedTableRowsAndBothLayers() {
    ModelConfig small = ModelConfig.defaults().toBuilder().buckets(10).dims(4, 3, 2).build();
    // 10 rows of 4, then 4x3 + 3 and 3x2 + 2.
    assertEquals(40 + 15 + 8, small.parameters());
    assertEquals((1L << 20) * 64 + 64 * 256 + 256 + 256 * 128 + 128, ModelConfig.defaults().parameters());
  }
}
