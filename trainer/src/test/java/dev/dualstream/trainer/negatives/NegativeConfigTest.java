package dev.dualstream.trainer.negatives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NegativeConfigTest {

  @Test
  void defaultsAreUncorrectedInBatchNegatives() {
    NegativeConfig c = NegativeConfig.defaults();
    assertEquals(EnumSet.of(NegativeSource.IN_BATCH), c.sources());
    assertTrue(c.inBatchOnly());
    assertEquals("in-batch", c.label());
    assertTrue(c.logQ().isEmpty());
    assertTrue(c.cacheRefreshSampled());
    assertFalse(c.withLogQ(NegativeSource.IN_BATCH).inBatchOnly());
    assertFalse(c.withClickedMemory(8).inBatchOnly(), "the memory masks in-batch negatives: not the fast path");
  }

  @Test
  void everyOptionHasADescriptionInDeclarationOrder() {
    List<String> names = Arrays.stream(NegativeConfig.class.getRecordComponents())
        .map(java.lang.reflect.RecordComponent::getName).toList();
    assertEquals(names, List.copyOf(NegativeConfig.DESCRIPTIONS.keySet()));
  }

  @Test
  void sourcesCombineAndNameThemselves() {
    NegativeConfig c = NegativeConfig.defaults().withCache(4096, 64).withSkipAbove(3).withUniform(2)
        .withCorpus(500).withLogQ(NegativeSource.SKIP_ABOVE, NegativeSource.IN_BATCH);
    assertEquals(EnumSet.allOf(NegativeSource.class), c.sources());
    assertEquals("in-batch/logQ+cache+skip-above/logQ+uniform+corpus", c.label());
    assertEquals(List.of(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE), List.copyOf(c.logQ()));
    assertEquals("cache", NegativeConfig.defaults().withInBatch(false).withCache(8, 0).label());
  }

  @Test
  void refusesContradictionsWithTheReason() {
    NegativeConfig d = NegativeConfig.defaults();
    assertMessage("no source", () -> d.withInBatch(false).validated());
    assertMessage("must divide", () -> d.withCache(1000, 64));
    assertMessage("must divide", () -> d.withCache(0, 64));
    assertMessage("always corrects", () -> d.withCache(64, 0).withLogQ(NegativeSource.CACHE));
    assertMessage("switched off", () -> d.withLogQ(NegativeSource.UNIFORM).validated());
    d.withLogQ(NegativeSource.UNIFORM).withUniform(1).validated();
    assertMessage("power of two", () -> d.withPopularity(1000, 4, 1));
    assertMessage("popularityDecay", () -> d.withPopularity(1024, 4, 0));
    assertMessage("skipAbove", () -> d.withSkipAbove(-1));
    assertMessage("poolCapacity", () -> d.withPoolCapacity(0));
    assertMessage("null", () -> new NegativeConfig(true, 0, 0, true, 0, 0, 0, 0, 1, new java.util.HashSet<>(
        java.util.Collections.singleton(null)), 1024, 4, 1, 0));
    assertMessage("clickedMemory", () -> d.withClickedMemory(-1));
    assertMessage("clickedMemory", () -> d.withClickedMemory(NegativeConfig.MAX_CLICKED_MEMORY + 1));
  }

  @Test
  void logQIsAnOrderedImmutableCopy() {
    Set<NegativeSource> mutable = new java.util.HashSet<>(List.of(NegativeSource.UNIFORM, NegativeSource.IN_BATCH));
    NegativeConfig c = new NegativeConfig(true, 0, 0, true, 0, 0, 2, 0, 8, mutable, 1024, 4, 1, 0);
    mutable.clear();
    assertEquals(List.of(NegativeSource.IN_BATCH, NegativeSource.UNIFORM), List.copyOf(c.logQ()));
    assertThrows(UnsupportedOperationException.class, () -> c.logQ().clear());
  }

  private static void assertMessage(String part, Runnable build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
