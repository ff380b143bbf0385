package dev.dualstream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions written through a replica of the table: each is the model at its capture, whatever training did
 * before the write, and after the first only the rows changed since the previous version are copied out.
 */
class TableReplicaTest {
  private static final ModelConfig CONFIG = DualEncoderTrainerTest.TINY.toBuilder().buckets(1 << 12).build();

  @TempDir Path dir;

  @Test
  void versionsWrittenLateFromTheReplicaAreTheModelAtEachCapture() throws Exception {
    SyntheticPairs data = new SyntheticPairs(9, CONFIG.buckets());
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int b = 0; b < 11; b++) {
      batches.add(data.batch(CONFIG.batchSize()));
    }
    TableReplica replica = new TableReplica();
    List<DualEncoderTrainer.Deferred> writes = new ArrayList<>();
    List<Integer> rows = new ArrayList<>();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(CONFIG, 5)) {
      for (int v = 0; v < 3; v++) {
        batches.subList(3 * v, 3 * v + 3).forEach(trainer::step);
        DualEncoderTrainer.Deferred write = trainer.captureVersion(dir.resolve("late-" + v), Map.of(), replica);
        writes.add(write);
        rows.add(write.rows());
        trainer.save(dir.resolve("now-" + v), Map.of());
      }
      batches.subList(9, 11).forEach(trainer::step); // training goes on before anything is written
    }
    for (DualEncoderTrainer.Deferred write : writes) {
      write.write();
    }
    for (int v = 0; v < 3; v++) {
      for (String file : List.of("embeddings.f32", "dense.f32")) {
        assertArrayEquals(Files.readAllBytes(dir.resolve("now-" + v).resolve(file)),
            Files.readAllBytes(dir.resolve("late-" + v).resolve(file)), "version " + v + ": " + file);
      }
    }
    assertEquals(CONFIG.buckets() + 1, rows.get(0), "the first capture copies the whole table");
    assertTrue(rows.get(1) > 0 && rows.get(1) < CONFIG.buckets() / 4, "later ones the rows changed: " + rows);
  }
}
