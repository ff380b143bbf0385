package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.cache.CacheStats;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer with negatives other than in-batch: the cache's metrics, each source, determinism. */
class DualEncoderTrainerNegativesTest {

  private static final ModelConfig TINY = DualEncoderTrainerTest.TINY.toBuilder().learningRate(1e-3).build();

  @TempDir Path dir;

  @Test
  void cacheTrainingReportsSizeAndLowStalenessAndLearns() {
    ModelConfig config = TINY.toBuilder()
        .negatives(NegativeConfig.defaults().withCache(256, 0).withInBatch(false)).build();
    SyntheticPairs data = new SyntheticPairs(4, config.buckets());
    List<StepResult> results = new ArrayList<>();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 3)) {
      for (int step = 0; step < 150; step++) {
        results.add(trainer.step(data.batch(16)));
      }
      CacheStats stats = trainer.cacheStats().orElseThrow();
      assertEquals(150, stats.step());
      assertEquals(stats.size(), results.get(149).cacheSize());
    }
    assertEquals(16, results.get(0).cacheSize(), "the first batch's positives");
    assertTrue(Double.isNaN(results.get(0).cacheStaleness()), "nothing to draw from in step 1");
    assertTrue(results.get(149).cacheSize() > 200, "size " + results.get(149).cacheSize());
    double staleness = 0;
    for (StepResult r : results.subList(100, 150)) {
      assertTrue(Double.isFinite(r.cacheStaleness()), "staleness of step " + r.step());
      staleness += r.cacheStaleness() / 50;
    }
    assertTrue(staleness < 0.05, "mean staleness " + staleness);
    double early = results.subList(1, 11).stream().mapToDouble(StepResult::loss).average().orElseThrow();
    double late = results.subList(140, 150).stream().mapToDouble(StepResult::loss).average().orElseThrow();
    assertTrue(late < 0.7 * early, "interpretable loss " + early + " -> " + late);
  }

  @Test
  void everySourceAtOnceRunsThroughTheTrainer() {
    NegativeConfig all = NegativeConfig.defaults().withCache(64, 8).withCacheRefresh(true, 4).withSkipAbove(2)
        .withUniform(2).withCorpus(5).withLogQ(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE,
            NegativeSource.UNIFORM);
    ModelConfig config = TINY.toBuilder().learningRate(0.01).negatives(all)
        .loss(LossConfig.defaults().withPhuber(5).withLabelBias(0.3)).build();
    SyntheticPairs data = new SyntheticPairs(6, config.buckets());
    List<StepResult> results = new ArrayList<>();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 3)) {
      assertTrue(trainer.addKnownDocument(new DocumentText("known", "zlib", "compression library")));
      assertFalse(trainer.addKnownDocument(new DocumentText("known", "zlib", "compression library")));
      for (int step = 0; step < 60; step++) {
        results.add(trainer.step(withSkipAbove(data.batch(8))));
      }
    }
    for (StepResult r : results) {
      assertTrue(Float.isFinite(r.loss()) && r.accuracy() >= 0 && r.accuracy() <= 1, r.toString());
    }
    // A smoke test of every source at once: the loss family's values and gradients are checked by
    // hand in NegativeObjectiveLossTest, and learning with the cache above. (With 64 topics, the
    // pool and the cache soon hold same-topic near-duplicates of each positive, so neither loss nor
    // accuracy over the drawn negatives is a fair yardstick of learning here.)
    assertEquals(64, results.get(59).cacheSize());
    assertTrue(Double.isFinite(results.get(59).cacheStaleness()));
  }

  @Test
  void sameSeedSameParametersWithTheCache() throws Exception {
    ModelConfig config = TINY.toBuilder()
        .negatives(NegativeConfig.defaults().withCache(64, 0).withUniform(2)).build();
    Path first = dir.resolve("a");
    Path second = dir.resolve("b");
    for (Path out : List.of(first, second)) {
      SyntheticPairs data = new SyntheticPairs(9, config.buckets());
      try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 5)) {
        for (int step = 0; step < 15; step++) {
          trainer.step(data.batch(8));
        }
        trainer.save(out, Map.of());
      }
    }
    for (String file : List.of("embeddings.f32", "dense.f32")) {
      assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(second.resolve(file)), file);
    }
  }

  @Test
  void inversePropensityWeightsReachTheStepOnlyWhereExposuresDiffer() throws Exception {
    ModelConfig phuber = TINY.toBuilder().loss(LossConfig.defaults().withPhuber(5)).build();
    ModelConfig weighted = phuber.toBuilder().loss(phuber.loss().withIpsClip(10)).build();
    assertFalse(weighted.inBatchSoftmax(), "weights take the general objective's path");
    byte[] unweighted = trainedTable(phuber, 1);
    assertArrayEquals(unweighted, trainedTable(weighted, 1), "every pair seen for sure: weights all alike");
    assertFalse(Arrays.equals(unweighted, trainedTable(weighted, 0.05)), "some pairs weigh more");
    assertArrayEquals(unweighted, trainedTable(phuber, 0.05), "without the option, exposures change nothing");
  }

  /** The embedding table after 10 steps on seeded pairs, every third of them with {@code exposure}. */
  private byte[] trainedTable(ModelConfig config, double exposure) throws Exception {
    Path out = Files.createTempDirectory(dir, "ips");
    SyntheticPairs data = new SyntheticPairs(9, config.buckets());
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, 5)) {
      for (int step = 0; step < 10; step++) {
        List<TrainingPair> batch = new ArrayList<>(data.batch(8));
        for (int i = 0; i < batch.size(); i += 3) {
          batch.set(i, batch.get(i).withExposure(exposure));
        }
        trainer.step(batch);
      }
      trainer.save(out, Map.of());
    }
    return Files.readAllBytes(out.resolve("embeddings.f32"));
  }

  @Test
  void theDefaultObjectiveKeepsTheInBatchPath() {
    assertTrue(ModelConfig.defaults().inBatchSoftmax());
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 1)) {
      StepResult r = trainer.step(new SyntheticPairs(1, TINY.buckets()).batch(4));
      assertEquals(0, r.cacheSize());
      assertTrue(Double.isNaN(r.cacheStaleness()));
      assertTrue(trainer.cacheStats().isEmpty());
      assertFalse(trainer.addKnownDocument(new DocumentText("d", "t", "x")));
    }
    assertFalse(TINY.toBuilder().loss(LossConfig.defaults().withPhuber(10)).build().inBatchSoftmax());
  }

  @Test
  void pairsCarryKeysAndSkipAboveDocuments() {
    DocumentText doc = new DocumentText("zlib1g", "zlib1g", "compression library - runtime");
    DocumentText above = new DocumentText("gzip", "gzip", "GNU compression utilities");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(TINY, 1)) {
      TrainingPair pair = TrainingPair.of(trainer.featurizer(), "zlib", doc)
          .withSkipAbove(trainer.featurizer(), List.of(above));
      assertEquals(dev.dualstream.trainer.negatives.DocKeys.of("zlib1g"), pair.docKey());
      assertEquals(pair.docKey(), pair.effectiveDocKey());
      assertArrayEquals(new long[] {dev.dualstream.trainer.negatives.DocKeys.of("gzip")}, pair.skipAboveKeys());
      assertArrayEquals(trainer.featurizer().document("gzip", "GNU compression utilities"),
          pair.skipAboveIds().get(0));
      assertEquals(pair, TrainingPair.of(trainer.featurizer(), "zlib", doc)
          .withSkipAbove(trainer.featurizer(), List.of(above)));
      TrainingPair plain = new TrainingPair(pair.queryIds(), pair.docIds());
      assertEquals(TrainingPair.NO_KEY, plain.docKey());
      assertEquals(dev.dualstream.trainer.negatives.DocKeys.ofFeatures(pair.docIds()), plain.effectiveDocKey());
      assertFalse(plain.equals(pair));
    }
  }

  /** Gives each pair the next pair's document as a skip-above negative, keyed by its features. */
  private static List<TrainingPair> withSkipAbove(List<TrainingPair> batch) {
    List<TrainingPair> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      TrainingPair p = batch.get(i);
      int[] other = batch.get((i + 1) % batch.size()).docIds();
      out.add(new TrainingPair(p.queryIds(), p.docIds(), TrainingPair.NO_KEY,
          new long[] {dev.dualstream.trainer.negatives.DocKeys.ofFeatures(other)}, List.of(other)));
    }
    return out;
  }
}
