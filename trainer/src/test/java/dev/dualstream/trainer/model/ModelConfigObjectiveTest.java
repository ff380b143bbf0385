package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeSource;
import org.junit.jupiter.api.Test;

/** The negatives and loss options inside the model configuration. */
class ModelConfigObjectiveTest {

  @Test
  void negativesAndLossSurviveTheJsonRoundTrip() {
    ModelConfig c = ModelConfig.defaults().toBuilder()
        .negatives(NegativeConfig.defaults().withCache(16384, 64).withCacheRefresh(false, 3).withSkipAbove(2)
            .withUniform(4).withCorpus(300).withLogQ(NegativeSource.UNIFORM, NegativeSource.IN_BATCH)
            .withPopularity(1024, 3, 0.999))
        .loss(LossConfig.defaults().withPhuber(4).withLabelBias(0.5).withIpsClip(10))
        .build();
    String json = c.toJson();
    assertEquals(c, ModelConfig.fromJson(json));
    assertEquals(json, ModelConfig.fromJson(json).toJson(), "stable JSON, hence a stable config hash");
    assertTrue(json.contains("\"logQ\":[\"IN_BATCH\",\"UNIFORM\"]"), json);
  }

  @Test
  void aManifestWrittenBeforeTheseOptionsReadsAsTheDefaults() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode old = (ObjectNode) mapper.readTree(ModelConfig.defaults().toJson());
    old.remove("negatives");
    old.remove("loss");
    ModelConfig read = ModelConfig.fromJson(mapper.writeValueAsString(old));
    assertEquals(ModelConfig.defaults(), read);
    assertTrue(read.inBatchSoftmax());
  }

  @Test
  void aLossWrittenBeforeWeightingReadsUnweighted() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    ModelConfig phuber = ModelConfig.defaults().toBuilder().loss(LossConfig.defaults().withPhuber(4)).build();
    ObjectNode old = (ObjectNode) mapper.readTree(phuber.toJson());
    assertTrue(old.get("loss").has("ipsClip"));
    ((ObjectNode) old.get("loss")).remove("ipsClip");
    assertEquals(phuber, ModelConfig.fromJson(mapper.writeValueAsString(old)));
  }

  @Test
  void theObjectiveIsPartOfTheConfigHash() {
    ModelConfig withCache = ModelConfig.defaults().toBuilder()
        .negatives(NegativeConfig.defaults().withCache(4096, 0)).build();
    assertNotEquals(ModelStore.configHash(ModelConfig.defaults()), ModelStore.configHash(withCache));
  }

  @Test
  void refusesAnObjectiveWithoutNegatives() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelConfig.defaults().toBuilder().negatives(NegativeConfig.defaults().withInBatch(false)).build());
    assertTrue(e.getMessage().contains("no source"), e.getMessage());
  }
}
