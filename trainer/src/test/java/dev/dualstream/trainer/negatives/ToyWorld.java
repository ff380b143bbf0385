package dev.dualstream.trainer.negatives;

import dev.dualstream.trainer.loss.LossConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-sized world for objective tests: every query and document is one feature id with a fixed
 * 3-d vector, "fresh" (what the tower gives now, fed to the loss as the encoded batch) and "stale"
 * (what the encoder hook returns and what the cache holds), so a test can tell which one a formula
 * used.
 *
 * <p>The batch: (Q0, P0, skip-above S0 S1), (Q1, P1, skip-above S1), (Q2, P1, skip-above P1). The
 * cache holds C0, C1 and P0; the document pool holds X only.
 */
final class ToyWorld {
  static final float SCALE = 2f;
  static final int DIM = 3;
  static final int Q0 = 1;
  static final int Q1 = 2;
  static final int Q2 = 3;
  static final int P0 = 10;
  static final int P1 = 11;
  static final int S0 = 20;
  static final int S1 = 21;
  static final int X = 30;
  static final int C0 = 40;
  static final int C1 = 41;

  private static final Map<Integer, double[]> FRESH = new HashMap<>();
  private static final Map<Integer, double[]> STALE = new HashMap<>();

  static {
    vector(Q0, new double[] {1, 0, 0}, null);
    vector(Q1, new double[] {0.6, 0.8, 0}, null);
    vector(Q2, new double[] {0, 0.6, 0.8}, null);
    vector(P0, new double[] {0.8, 0.6, 0}, new double[] {0.9, 0.3, 0.1});
    vector(P1, new double[] {0.2, 0.9, 0.3}, new double[] {0.1, 1.0, 0.2});
    vector(S0, new double[] {0.7, 0.1, 0.7}, new double[] {0.6, 0.2, 0.7});
    vector(S1, new double[] {0.1, 0.3, 0.9}, new double[] {0.0, 0.4, 0.9});
    vector(X, new double[] {-0.5, 0.5, 0.7}, new double[] {-0.4, 0.6, 0.6});
    vector(C0, new double[] {0.3, -0.9, 0.3}, new double[] {0.5, -0.8, 0.2});
    vector(C1, new double[] {0.9, 0.4, -0.2}, new double[] {0.7, 0.7, 0.0});
  }

  private ToyWorld() {}

  private static void vector(int id, double[] fresh, double[] stale) {
    FRESH.put(id, fresh);
    STALE.put(id, stale == null ? fresh : stale);
  }

  static double[] fresh(int id) {
    return FRESH.get(id);
  }

  static double[] stale(int id) {
    return STALE.get(id);
  }

  static long key(int id) {
    return DocKeys.of("doc-" + id);
  }

  static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int k = 0; k < v.length; k++) {
      f[k] = (float) v[k];
    }
    return f;
  }

  /** The stale tower: what refreshes and the corpus re-encoding see. */
  static DocumentEncoder staleEncoder() {
    return docs -> docs.stream().map(ids -> floats(stale(ids[0]))).toArray(float[][]::new);
  }

  static int[] ids(int id) {
    return new int[] {id};
  }

  static Batch batch() {
    return new Batch()
        .add(queryKey(Q0), key(P0), ids(P0), new long[] {key(S0), key(S1)}, List.of(ids(S0), ids(S1)))
        .add(queryKey(Q1), key(P1), ids(P1), new long[] {key(S1)}, List.of(ids(S1)))
        .add(queryKey(Q2), key(P1), ids(P1), new long[] {key(P1)}, List.of(ids(P1)));
  }

  static long queryKey(int query) {
    return DocKeys.ofQuery(ids(query));
  }

  static int[] queries() {
    return new int[] {Q0, Q1, Q2};
  }

  static int[] positives() {
    return new int[] {P0, P1, P1};
  }

  static int[][] skipAbove() {
    return new int[][] {{S0, S1}, {S1}, {P1}};
  }

  static float[] queryEmbeddings() {
    float[] flat = new float[3 * DIM];
    int[] q = queries();
    for (int i = 0; i < 3; i++) {
      System.arraycopy(floats(fresh(q[i])), 0, flat, i * DIM, DIM);
    }
    return flat;
  }

  /** An objective over this world, with the cache (if any) holding C0, C1, P0 and the pool X. */
  static NegativeObjective objective(NegativeConfig config, LossConfig loss) {
    NegativeObjective objective = NegativeObjective.create(config, loss, SCALE, DIM, 4, staleEncoder(), 17);
    if (objective.cache() != null) {
      for (int id : new int[] {C0, C1, P0}) {
        objective.cache().insert(key(id), ids(id), floats(stale(id)), 0);
      }
    }
    objective.addDocument(key(X), ids(X));
    return objective;
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += a[k] * b[k];
    }
    return sum;
  }
}
