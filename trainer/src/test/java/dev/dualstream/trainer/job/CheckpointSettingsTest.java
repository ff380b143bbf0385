package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The exactly-once sinks' transaction timeout must lie between the job's worst case and the broker's maximum. */
class CheckpointSettingsTest {
  private static final Duration BROKER_MAX = Duration.ofMinutes(15);

  @Test
  void theDefaultsFitTheBrokersDefaultMaximum() {
    assertDoesNotThrow(() -> CheckpointSettings.defaults().checkTransactionTimeout(BROKER_MAX));
  }

  @Test
  void aTimeoutAboveTheBrokersMaximumIsRefusedWithBothNumbers() {
    CheckpointSettings s = CheckpointSettings.defaults().withTransactionTimeout(Duration.ofMinutes(20));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.checkTransactionTimeout(BROKER_MAX));
    assertTrue(e.getMessage().contains("1200.0 s") && e.getMessage().contains("transaction.max.timeout.ms of 900.0 s"),
        e.getMessage());
  }

  @Test
  void aTimeoutShorterThanCheckpointPlusRestartIsRefused() {
    CheckpointSettings s = CheckpointSettings.defaults().withInterval(Duration.ofMinutes(4))
        .withTimeout(Duration.ofMinutes(5)).withRestarts(3, Duration.ofMinutes(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.checkTransactionTimeout(BROKER_MAX));
    assertTrue(e.getMessage().contains("must exceed checkpoint interval + checkpoint timeout + restart delay = 600.0 s"),
        e.getMessage());
  }

  @Test
  void nonsenseValuesAreRefusedAtConstruction() {
    assertThrows(IllegalArgumentException.class, () -> CheckpointSettings.defaults().withInterval(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> CheckpointSettings.defaults().withRetained(0));
    assertThrows(IllegalArgumentException.class, () -> CheckpointSettings.defaults().withTolerableFailures(-1));
  }
}
