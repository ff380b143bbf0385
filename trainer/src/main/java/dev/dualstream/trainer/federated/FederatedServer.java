package dev.dualstream.trainer.federated;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The server of a federated round over the dual encoder: it sums the clients' updates weighted by
 * their examples, then moves the global model by {@link ServerOptimizer} on their weighted mean.
 *
 * <p>A client's update holds the delta of each table row it touched (its overlay over the global
 * table, never a copy of the table) and the delta of every dense parameter. The mean is over all of
 * the round's clients, weighted by their examples: a client that did not touch a row contributes a
 * zero delta to that row. The optimizer state of a row is created the first time some client
 * touches it and moves only in rounds where one does (see {@link ServerOptimizer}'s sparse rule).
 * Not thread-safe.
 */
public final class FederatedServer {

  /**
   * One client's round.
   *
   * @param examples how many examples it trained on: its weight in the mean
   * @param rows the table rows it touched, distinct
   * @param rowDeltas {@code rows.length x dim}: its value of each row minus the global one
   * @param denseDeltas its value of each dense parameter minus the global one, in the model's order
   * @param loss its mean training loss over its local steps, for reports and tuning; the server
   *     does not use it
   */
  public record ClientUpdate(long examples, int[] rows, float[] rowDeltas, List<float[]> denseDeltas, double loss) {
    public ClientUpdate {
      if (examples < 1) {
        throw new IllegalArgumentException("a client update needs at least one example, got " + examples);
      }
      Objects.requireNonNull(rows, "rows");
      Objects.requireNonNull(rowDeltas, "rowDeltas");
      denseDeltas = List.copyOf(denseDeltas);
    }
  }

  private final ServerOptimizer optimizer;
  private final int dim;
  private final Map<Integer, float[]> rowFirst = new HashMap<>();
  private final Map<Integer, float[]> rowSecond = new HashMap<>();
  private final List<float[]> denseFirst = new ArrayList<>();
  private final List<float[]> denseSecond = new ArrayList<>();
  private final Map<Integer, float[]> rowSums = new HashMap<>();
  private List<float[]> denseSums;
  private long weight;

  /** A server for a table of rows {@code dim} wide. */
  public FederatedServer(ServerOptimizer optimizer, int dim) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    if (dim < 1) {
      throw new IllegalArgumentException("row width must be positive, got " + dim);
    }
    this.dim = dim;
  }

  /** Adds a client's update to the round. */
  public void accept(ClientUpdate update) {
    if (update.rowDeltas().length != update.rows().length * dim) {
      throw new IllegalArgumentException("expected " + update.rows().length + " x " + dim + " row deltas, got "
          + update.rowDeltas().length + " values");
    }
    if (denseSums == null) {
      denseSums = new ArrayList<>();
      update.denseDeltas().forEach(d -> denseSums.add(new float[d.length]));
    } else if (!sameShapes(denseSums, update.denseDeltas())) {
      throw new IllegalArgumentException("a client's dense deltas do not match the round's shapes");
    }
    float w = update.examples();
    for (int p = 0; p < denseSums.size(); p++) {
      float[] sum = denseSums.get(p);
      float[] delta = update.denseDeltas().get(p);
      for (int j = 0; j < sum.length; j++) {
        sum[j] += w * delta[j];
      }
    }
    int[] rows = update.rows();
    for (int r = 0; r < rows.length; r++) {
      float[] sum = rowSums.computeIfAbsent(rows[r], k -> new float[dim]);
      for (int j = 0; j < dim; j++) {
        sum[j] += w * update.rowDeltas()[r * dim + j];
      }
    }
    weight += update.examples();
  }

  /**
   * Ends the round: moves the table's touched rows and the dense parameters by the optimizer on
   * the clients' weighted mean delta, in place, and starts the next round.
   *
   * @param table the global table, row-major, {@code dim} wide
   * @param dense the global dense parameters, in the order the clients' deltas use
   * @return the rows moved
   * @throws IllegalStateException if no client took part
   */
  public int finishRound(float[] table, List<float[]> dense) {
    if (weight == 0) {
      throw new IllegalStateException("a round needs at least one client update");
    }
    if (!sameShapes(dense, denseSums)) {
      throw new IllegalArgumentException("the dense parameters do not match the clients' deltas");
    }
    float inverse = 1f / weight;
    for (int p = 0; p < dense.size(); p++) {
      float[] mean = denseSums.get(p);
      for (int j = 0; j < mean.length; j++) {
        mean[j] *= inverse;
      }
      if (denseFirst.size() <= p) {
        denseFirst.add(optimizer.needsFirstMoment() ? new float[mean.length] : null);
        denseSecond.add(optimizer.needsSecondMoment() ? new float[mean.length] : null);
      }
      optimizer.apply(dense.get(p), 0, mean.length, mean, 0, denseFirst.get(p), denseSecond.get(p));
    }
    int moved = 0;
    for (Map.Entry<Integer, float[]> e : rowSums.entrySet()) {
      int row = e.getKey();
      float[] mean = e.getValue();
      for (int j = 0; j < dim; j++) {
        mean[j] *= inverse;
      }
      float[] m = optimizer.needsFirstMoment() ? rowFirst.computeIfAbsent(row, k -> new float[dim]) : null;
      float[] v = optimizer.needsSecondMoment() ? rowSecond.computeIfAbsent(row, k -> new float[dim]) : null;
      float[] rowValues = Arrays.copyOfRange(table, row * dim, (row + 1) * dim);
      optimizer.apply(rowValues, 0, dim, mean, 0, m, v);
      System.arraycopy(rowValues, 0, table, row * dim, dim);
      moved++;
    }
    rowSums.clear();
    denseSums = null;
    weight = 0;
    return moved;
  }

  /** The first and second moment of a row, copies; null where the optimizer keeps none or no client touched it. */
  public float[][] rowState(int row) {
    float[] m = rowFirst.get(row);
    float[] v = rowSecond.get(row);
    return new float[][] {m == null ? null : m.clone(), v == null ? null : v.clone()};
  }

  /** Rows some client has touched so far: those with optimizer state. */
  public int rowsWithState() {
    return Math.max(rowFirst.size(), rowSecond.size());
  }

  private static boolean sameShapes(List<float[]> a, List<float[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).length != b.get(i).length) {
        return false;
      }
    }
    return true;
  }
}
