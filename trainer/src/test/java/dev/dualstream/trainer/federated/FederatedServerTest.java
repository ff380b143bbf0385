package dev.dualstream.trainer.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dualstream.trainer.federated.FederatedServer.ClientUpdate;
import dev.dualstream.trainer.federated.ServerOptimizer.Kind;
import dev.dualstream.trainer.federated.ServerOptimizer.Settings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every server optimizer against values worked out by hand, for two rounds on a tiny model: a
 * dense parameter {@code [1, 2]} and a two-row table of width 1, row 0 at 1 and row 1 at 5. Round
 * one: two clients, weights 3 and 1; the first moves the dense parameter by {@code [0.4, -0.8]}
 * and row 0 by 0.4, the second the dense parameter by {@code [0.8, -0.8]} and row 1 by 2: means
 * {@code [0.5, -0.8]}, row 0 {@code 3 x 0.4 / 4 = 0.3}, row 1 {@code 1 x 2 / 4 = 0.5}. Round two:
 * one client, dense delta {@code [-1, 0]}, row 0 by -1, row 1 untouched.
 *
 * <p>Settings: η = 0.1, β1 = 0.9 (0 for FedAdagrad), β2 = 0.99, τ = 0.001.
 */
class FederatedServerTest {
  private static final double TOLERANCE = 1e-6;

  private record Model(float[] table, float[] dense) {}

  private static Model run(Kind kind) {
    FederatedServer server = new FederatedServer(new ServerOptimizer(Settings.of(kind, 0.1)), 1);
    Model model = new Model(new float[] {1, 5}, new float[] {1, 2});
    server.accept(new ClientUpdate(3, new int[] {0}, new float[] {0.4f}, List.of(new float[] {0.4f, -0.8f}), 0));
    server.accept(new ClientUpdate(1, new int[] {1}, new float[] {2f}, List.of(new float[] {0.8f, -0.8f}), 0));
    assertEquals(2, server.finishRound(model.table(), List.of(model.dense())));
    server.accept(new ClientUpdate(5, new int[] {0}, new float[] {-1f}, List.of(new float[] {-1f, 0f}), 0));
    assertEquals(1, server.finishRound(model.table(), List.of(model.dense())));
    return model;
  }

  @Test
  void fedAvgMovesByTheLearningRateTimesTheWeightedMean() {
    Model model = run(Kind.FEDAVG);
    // dense[0]: 1 + 0.1 x 0.5 = 1.05, then + 0.1 x -1 = 0.95; dense[1]: 2 - 0.08 = 1.92, then + 0 = 1.92
    assertArrayEquals(new float[] {0.95f, 1.92f}, model.dense(), 1e-6f);
    // row 0: 1 + 0.03 = 1.03, then - 0.1 = 0.93; row 1: 5 + 0.05 = 5.05, untouched in round two
    assertArrayEquals(new float[] {0.93f, 5.05f}, model.table(), 1e-6f);
  }

  @Test
  void fedAvgMKeepsMomentumOnlyWhereClientsTouched() {
    Model model = run(Kind.FEDAVGM);
    // dense[0]: m = 0.5, x = 1.05; m = 0.45 - 1 = -0.55, x = 1.05 - 0.055 = 0.995
    // dense[1]: m = -0.8, x = 1.92; m = -0.72 + 0 = -0.72, x = 1.92 - 0.072 = 1.848 (momentum carries on)
    assertArrayEquals(new float[] {0.995f, 1.848f}, model.dense(), 1e-6f);
    // row 0: m = 0.3, x = 1.03; m = 0.27 - 1 = -0.73, x = 1.03 - 0.073 = 0.957
    // row 1: m = 0.5, x = 5.05; untouched in round two: no momentum step, m stays 0.5
    assertArrayEquals(new float[] {0.957f, 5.05f}, model.table(), 1e-6f);
  }

  @Test
  void fedAdagradAccumulatesSquaresWithoutMomentum() {
    Model model = run(Kind.FEDADAGRAD);
    double d0 = 1 + 0.1 * 0.5 / (0.5 + 0.001);                        // v = 0.25
    d0 += 0.1 * -1 / (Math.sqrt(1.25) + 0.001);                        // v = 1.25
    double d1 = 2 + 0.1 * -0.8 / (0.8 + 0.001);                        // v = 0.64
    // round two: delta 0, m = 0 (β1 = 0), v = 0.64: no move
    assertEquals(1.0104376, d0, 1e-6, "the hand arithmetic itself");
    assertArrayEquals(new float[] {(float) d0, (float) d1}, model.dense(), 1e-6f);
    double r0 = 1 + 0.1 * 0.3 / (0.3 + 0.001);
    r0 += 0.1 * -1 / (Math.sqrt(0.09 + 1) + 0.001);
    double r1 = 5 + 0.1 * 0.5 / (0.5 + 0.001);
    assertArrayEquals(new float[] {(float) r0, (float) r1}, model.table(), 1e-6f);
  }

  @Test
  void fedAdamAndFedYogiDifferOnlyInTheSecondMoment() {
    Model adam = run(Kind.FEDADAM);
    Model yogi = run(Kind.FEDYOGI);
    // dense[0], round one (both): m = 0.05, v = 0.01 x 0.25 = 0.0025, x = 1 + 0.005 / (0.05 + 0.001)
    double x = 1 + 0.1 * 0.05 / (0.05 + 0.001);
    assertEquals(1.0980392, x, 1e-6);
    // round two: m = 0.045 - 0.1 = -0.055
    // Adam: v = 0.99 x 0.0025 + 0.01 x 1 = 0.012475; Yogi: v = 0.0025 - 0.01 x 1 x sign(0.0025 - 1) = 0.0125
    double adam0 = x + 0.1 * -0.055 / (Math.sqrt(0.012475) + 0.001);
    double yogi0 = x + 0.1 * -0.055 / (Math.sqrt(0.0125) + 0.001);
    assertEquals(1.0492334, adam0, 1e-6);
    assertEquals(1.0492818, yogi0, 1e-6);
    assertEquals(adam0, adam.dense()[0], TOLERANCE);
    assertEquals(yogi0, yogi.dense()[0], TOLERANCE);
    // dense[1]: round one m = -0.08, v = 0.0064, x = 2 - 0.008 / 0.081; round two delta 0:
    // m = -0.072; Adam v = 0.99 x 0.0064 = 0.006336; Yogi v = 0.0064 - 0 = 0.0064
    double one = 2 + 0.1 * -0.08 / (0.08 + 0.001);
    assertEquals(one + 0.1 * -0.072 / (Math.sqrt(0.006336) + 0.001), adam.dense()[1], TOLERANCE);
    assertEquals(one + 0.1 * -0.072 / (Math.sqrt(0.0064) + 0.001), yogi.dense()[1], TOLERANCE);
    // row 1, untouched in round two, stays where round one left it: m = 0.05, v = 0.0025
    double row1 = 5 + 0.1 * 0.05 / (0.05 + 0.001);
    assertEquals(row1, adam.table()[1], TOLERANCE);
    assertEquals(row1, yogi.table()[1], TOLERANCE);
  }

  @Test
  void anUntouchedRowKeepsItsStateAndANewRowStartsFromZero() {
    FederatedServer server = new FederatedServer(new ServerOptimizer(Settings.of(Kind.FEDADAM, 0.1)), 2);
    float[] table = new float[] {1, 1, 2, 2, 3, 3};
    server.accept(new ClientUpdate(1, new int[] {0, 2}, new float[] {1, -1, 0.5f, 0.5f}, List.of(), 0));
    server.finishRound(table, List.of());
    float[][] before = server.rowState(2);
    assertArrayEquals(new float[] {0.05f, 0.05f}, before[0], 1e-7f);
    assertArrayEquals(new float[] {0.0025f, 0.0025f}, before[1], 1e-7f);
    float[] row2 = {table[4], table[5]};
    server.accept(new ClientUpdate(4, new int[] {0}, new float[] {1, 1}, List.of(), 0));
    server.finishRound(table, List.of());
    assertArrayEquals(before[0], server.rowState(2)[0], "m of an untouched row");
    assertArrayEquals(before[1], server.rowState(2)[1], "v of an untouched row");
    assertArrayEquals(row2, new float[] {table[4], table[5]}, "an untouched row does not move");
    assertEquals(2, table[2]);
    assertNull(server.rowState(1)[0], "row 1 was never touched: no state");
    assertEquals(2, server.rowsWithState());
  }

  @Test
  void badRoundsAndSettingsAreRefused() {
    FederatedServer server = new FederatedServer(new ServerOptimizer(Settings.of(Kind.FEDYOGI, 0.1)), 2);
    assertThrows(IllegalStateException.class, () -> server.finishRound(new float[4], List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> server.accept(new ClientUpdate(1, new int[] {0}, new float[] {1}, List.of(), 0)));
    assertThrows(IllegalArgumentException.class, () -> new ClientUpdate(0, new int[0], new float[0], List.of(), 0));
    assertThrows(IllegalArgumentException.class, () -> Settings.of(Kind.FEDADAM, 0));
    assertThrows(IllegalArgumentException.class, () -> Settings.of(Kind.FEDADAM, 0.1).withTau(0));
  }
}
