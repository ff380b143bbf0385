package dev.dualstream.evaluator.search;

import java.util.Arrays;

/**
 * The inner loop of exact search: scores {@value #QUERIES} queries against one panel of {@value
 * #PANEL} documents. A panel is stored dimension-major ({@code panel[j * PANEL + i]} is dimension j of
 * the panel's document i), so one dimension of all its documents is a contiguous run of floats.
 *
 * <p>Every implementation computes each score as {@code fma(document[j], query[j], sum)} over j in
 * ascending order from zero, so they agree bit for bit and ties break the same way whichever runs.
 * {@link #forThisJvm()} picks the SIMD kernel when the JVM was started with {@code --add-modules
 * jdk.incubator.vector} (the launcher, child processes and tests do so) and the scalar one otherwise.
 */
abstract class ScoreKernel {
  /** Documents per panel. */
  static final int PANEL = 32;
  /** Queries scored per call. */
  static final int QUERIES = 8;

  private static final String VECTOR_MODULE = "jdk.incubator.vector";

  /**
   * Writes {@code scores[q * PANEL + i]}, for q below {@value #QUERIES} and i below {@value #PANEL}: the
   * dot product of the query whose {@code dimension} floats start at {@code queries[queryOffset + q *
   * dimension]} with document i of the panel starting at {@code panels[panelOffset]}.
   */
  abstract void score(float[] queries, int queryOffset, float[] panels, int panelOffset, int dimension,
      float[] scores);

  /** A short name for logs and benchmark reports. */
  abstract String name();

  /** The fastest kernel this JVM can run. */
  static ScoreKernel forThisJvm() {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      return new Scalar();
    }
    try {
      ScoreKernel kernel = (ScoreKernel) Class.forName(ScoreKernel.class.getPackageName() + ".VectorScoreKernel")
          .getDeclaredConstructor().newInstance();
      return kernel.usable() ? kernel : new Scalar();
    } catch (ReflectiveOperationException | LinkageError e) {
      return new Scalar();
    }
  }

  /** Whether this kernel runs well on this processor; the scalar kernel always does. */
  boolean usable() {
    return true;
  }

  /**
   * Plain Java: for each query, one dimension at a time over the panel's 32 documents, an element-wise
   * loop the JIT can still vectorise (a per-document dot product would be a sequential reduction).
   */
  static final class Scalar extends ScoreKernel {
    @Override
    void score(float[] queries, int queryOffset, float[] panels, int panelOffset, int dimension, float[] scores) {
      Arrays.fill(scores, 0, QUERIES * PANEL, 0f);
      for (int q = 0; q < QUERIES; q++) {
        int query = queryOffset + q * dimension;
        int out = q * PANEL;
        int j = 0;
        for (; j + 3 < dimension; j += 4) { // four dimensions per pass: a quarter of the loads and stores
          float w0 = queries[query + j];
          float w1 = queries[query + j + 1];
          float w2 = queries[query + j + 2];
          float w3 = queries[query + j + 3];
          int r0 = panelOffset + j * PANEL;
          int r1 = r0 + PANEL;
          int r2 = r1 + PANEL;
          int r3 = r2 + PANEL;
          for (int i = 0; i < PANEL; i++) {
            float sum = Math.fma(panels[r0 + i], w0, scores[out + i]);
            sum = Math.fma(panels[r1 + i], w1, sum);
            sum = Math.fma(panels[r2 + i], w2, sum);
            scores[out + i] = Math.fma(panels[r3 + i], w3, sum);
          }
        }
        for (; j < dimension; j++) {
          float weight = queries[query + j];
          int row = panelOffset + j * PANEL;
          for (int i = 0; i < PANEL; i++) {
            scores[out + i] = Math.fma(panels[row + i], weight, scores[out + i]);
          }
        }
      }
    }

    @Override
    String name() {
      return "scalar";
    }
  }
}
