package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.trainer.encoder.RowBatch;
import dev.dualstream.trainer.federated.FederatedServer;
import dev.dualstream.trainer.federated.ServerOptimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FederatedModelTest {

  private static List<List<TrainingPair>> batches(long seed, int count) {
    SyntheticPairs data = new SyntheticPairs(seed, DualEncoderTrainerTest.TINY.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batches.add(data.batch(8));
    }
    return batches;
  }

  @Test
  void aClientLeavesTheGlobalModelAsItWasAndReportsOnlyTheRowsItTouched() throws Exception {
    for (ModelConfig config : List.of(DualEncoderTrainerTest.TINY, TransformerTrainerTest.TINY_TRANSFORMER)) {
      try (FederatedModel model = FederatedModel.create(config, 3)) {
        float[] tableBefore = model.tableWeights();
        List<float[]> denseBefore = model.denseValues();
        List<List<TrainingPair>> batches = batches(5, 3);
        FederatedServer.ClientUpdate update = model.train(batches, 0.5);
        assertArrayEquals(tableBefore, model.tableWeights(), config.modelName() + ": the table is restored");
        for (int p = 0; p < denseBefore.size(); p++) {
          assertArrayEquals(denseBefore.get(p), model.denseValues().get(p), config.modelName() + ": dense " + p);
        }
        TreeSet<Integer> touched = new TreeSet<>();
        for (List<TrainingPair> batch : batches) {
          List<int[]> sequences = new ArrayList<>();
          batch.forEach(p -> sequences.add(p.queryView()));
          batch.forEach(p -> sequences.add(p.docView()));
          RowBatch rows = RowBatch.of(sequences);
          for (int r = 0; r < rows.size(); r++) {
            touched.add(rows.rows()[r]);
          }
        }
        assertArrayEquals(touched.stream().mapToInt(Integer::intValue).toArray(), update.rows(), config.modelName());
        assertEquals(24, update.examples());
        assertTrue(update.denseDeltas().stream().anyMatch(d -> Arrays.stream(toDouble(d)).anyMatch(x -> x != 0)),
            "the dense layers moved");
      }
    }
  }

  @Test
  void fedAvgAtRateOneWithOneClientIsThatClientsModel() throws Exception {
    List<List<TrainingPair>> batches = batches(6, 4);
    try (FederatedModel model = FederatedModel.create(DualEncoderTrainerTest.TINY, 4)) {
      float[] start = model.tableWeights();
      List<float[]> denseStart = model.denseValues();
      FederatedServer.ClientUpdate update = model.train(batches, 0.3);
      FederatedServer server = new FederatedServer(
          new ServerOptimizer(ServerOptimizer.Settings.of(ServerOptimizer.Kind.FEDAVG, 1.0)), 8);
      server.accept(update);
      assertEquals(update.rows().length, model.apply(server));
      float[] merged = model.tableWeights();
      float[] expected = start.clone();
      for (int r = 0; r < update.rows().length; r++) {
        for (int k = 0; k < 8; k++) {
          expected[update.rows()[r] * 8 + k] += update.rowDeltas()[r * 8 + k];
        }
      }
      assertArrayEquals(expected, merged, 1e-6f);
      for (int p = 0; p < denseStart.size(); p++) {
        float[] want = denseStart.get(p).clone();
        for (int j = 0; j < want.length; j++) {
          want[j] += update.denseDeltas().get(p)[j];
        }
        assertArrayEquals(want, model.denseValues().get(p), 1e-6f, "dense " + p);
      }
      // A second round from the merged model differs from the first: the global model moved.
      FederatedServer.ClientUpdate next = model.train(batches, 0.3);
      assertTrue(!Arrays.equals(next.rowDeltas(), update.rowDeltas()));
    }
    assertThrows(IllegalArgumentException.class, () -> {
      try (FederatedModel model = FederatedModel.create(DualEncoderTrainerTest.TINY, 4)) {
        model.train(List.of(), 0.1);
      }
    });
  }

  private static double[] toDouble(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
