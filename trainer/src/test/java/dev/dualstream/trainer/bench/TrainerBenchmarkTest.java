package dev.dualstream.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerBenchmarkTest {

  @Test
  void theBenchmarkModelIsTheIssuesModel() {
    ModelConfig c = TrainerBenchmark.benchmarkModel();
    assertEquals(1 << 20, c.buckets());
    assertEquals(List.of(64, 256, 128), List.of(c.embeddingDim(), c.hiddenDim(), c.outputDim()));
    assertEquals(List.of(64, 128), List.of(c.maxQueryIds(), c.maxDocIds()));
    assertEquals(256, c.batchSize());
    assertEquals(2, c.threads());
    assertEquals(20.0, c.scale());
    assertEquals(1e-3, c.learningRate());
    assertEquals(1e-3, c.embeddingLearningRate());
  }

  @Test
  void batchesAreConsecutiveFullBlocksInOrder() {
    List<TrainingPair> pairs = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      pairs.add(new TrainingPair(new int[] {i}, new int[] {i, i + 1}));
    }
    List<List<TrainingPair>> batches = TrainerBenchmark.batches(pairs, 4);
    assertEquals(2, batches.size(), "the partial last batch is dropped");
    assertEquals(pairs.subList(0, 4), batches.get(0));
    assertEquals(pairs.subList(4, 8), batches.get(1));
  }

  @Test
  void settingsRefuseEmptyMeasurements() {
    assertThrows(IllegalArgumentException.class, () -> new TrainerBenchmark.Settings(0, 0, 3, 1));
    assertThrows(IllegalArgumentException.class, () -> new TrainerBenchmark.Settings(-1, 5, 3, 1));
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, TrainerBenchmark.median(new double[] {4, 1, 3, 2}));
    assertEquals(3.0, TrainerBenchmark.median(new double[] {5, 3, 1}));
  }
}
