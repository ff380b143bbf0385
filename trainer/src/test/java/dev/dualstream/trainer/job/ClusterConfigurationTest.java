package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.KafkaConnection;
import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The job's settings in application mode: the cluster's checkpoint storage and restore, the job's everything else. */
class ClusterConfigurationTest {
  private static final TrainerOptions FULL = TrainerOptions.defaults(KafkaConnection.plaintext("kafka:9093"))
      .withCheckpoints(CheckpointSettings.defaults().withFullEvery(0));

  @Test
  void theClusterChoosesWhereCheckpointsGoAndTheJobKeepsTheRest() {
    Configuration local = TrainerJob.jobConfiguration(FULL);
    Configuration cluster = TrainerJob.clusterConfiguration(FULL);
    assertTrue(local.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY), "what the cluster must not be given");
    assertFalse(cluster.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    assertFalse(cluster.contains(CheckpointingOptions.CHECKPOINT_STORAGE));
    assertEquals(local.get(CheckpointingOptions.CHECKPOINTING_INTERVAL),
        cluster.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
    assertEquals(local.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION),
        cluster.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION));
  }

  @Test
  void linksOnALocalDiskAndALocalRestoreAreRefused() {
    TrainerOptions incremental = TrainerOptions.defaults(KafkaConnection.plaintext("kafka:9093"));
    assertTrue(incremental.checkpoints().incremental(), "the default is incremental");
    assertThrows(IllegalArgumentException.class, () -> TrainerJob.clusterConfiguration(incremental));
    TrainerOptions restoring = FULL.withCheckpoints(FULL.checkpoints().withRestoreFrom(Path.of("/savepoints/1")));
    assertThrows(IllegalArgumentException.class, () -> TrainerJob.clusterConfiguration(restoring));
  }
}
