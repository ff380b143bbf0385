package dev.dualstream.evaluator.search;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD kernel (JDK's incubating Vector API). Each call keeps 8 queries x 32 documents of sums in
 * registers across all dimensions: per dimension it loads the panel's 32 floats once and multiplies
 * them into all 8 queries' sums, the register blocking of a matrix-multiply micro-kernel. With 512-bit
 * vectors that is 16 accumulators; with 256-bit vectors the panel is done in two halves. Loaded only
 * by {@link ScoreKernel#forThisJvm()} when the module is present.
 */
final class VectorScoreKernel extends ScoreKernel {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final int SLICE = 2 * LANES;

  @Override
  boolean usable() {
    return LANES >= 8 && PANEL % SLICE == 0;
  }

  @Override
  String name() {
    return "simd-" + SPECIES.vectorBitSize();
  }

  @Override
  void score(float[] queries, int queryOffset, float[] panels, int panelOffset, int dimension, float[] scores) {
    int q0 = queryOffset;
    int q1 = q0 + dimension;
    int q2 = q1 + dimension;
    int q3 = q2 + dimension;
    int q4 = q3 + dimension;
    int q5 = q4 + dimension;
    int q6 = q5 + dimension;
    int q7 = q6 + dimension;
    for (int slice = 0; slice < PANEL; slice += SLICE) {
      FloatVector zero = FloatVector.zero(SPECIES);
      FloatVector s0a = zero, s0b = zero, s1a = zero, s1b = zero, s2a = zero, s2b = zero, s3a = zero, s3b = zero;
      FloatVector s4a = zero, s4b = zero, s5a = zero, s5b = zero, s6a = zero, s6b = zero, s7a = zero, s7b = zero;
      for (int j = 0; j < dimension; j++) {
        int row = panelOffset + j * PANEL + slice;
        FloatVector a = FloatVector.fromArray(SPECIES, panels, row);
        FloatVector b = FloatVector.fromArray(SPECIES, panels, row + LANES);
        FloatVector w = FloatVector.broadcast(SPECIES, queries[q0 + j]);
        s0a = a.fma(w, s0a);
        s0b = b.fma(w, s0b);
        w = FloatVector.broadcast(SPECIES, queries[q1 + j]);
        s1a = a.fma(w, s1a);
        s1b = b.fma(w, s1b);
        w = FloatVector.broadcast(SPECIES, queries[q2 + j]);
        s2a = a.fma(w, s2a);
        s2b = b.fma(w, s2b);
        w = FloatVector.broadcast(SPECIES, queries[q3 + j]);
        s3a = a.fma(w, s3a);
        s3b = b.fma(w, s3b);
        w = FloatVector.broadcast(SPECIES, queries[q4 + j]);
        s4a = a.fma(w, s4a);
        s4b = b.fma(w, s4b);
        w = FloatVector.broadcast(SPECIES, queries[q5 + j]);
        s5a = a.fma(w, s5a);
        s5b = b.fma(w, s5b);
        w = FloatVector.broadcast(SPECIES, queries[q6 + j]);
        s6a = a.fma(w, s6a);
        s6b = b.fma(w, s6b);
        w = FloatVector.broadcast(SPECIES, queries[q7 + j]);
        s7a = a.fma(w, s7a);
        s7b = b.fma(w, s7b);
      }
      int out = slice;
      s0a.intoArray(scores, out);
      s0b.intoArray(scores, out + LANES);
      out += PANEL;
      s1a.intoArray(scores, out);
      s1b.intoArray(scores, out + LANES);
      out += PANEL;
      s2a.intoArray(scores, out);
      s2b.intoArray(scores, out + LANES);
      out += PANEL;
      s3a.intoArray(scores, out);
      s3b.intoArray(scores, out + LANES);
      out += PANEL;
      s4a.intoArray(scores, out);
      s4b.intoArray(scores, out + LANES);
      out += PANEL;
      s5a.intoArray(scores, out);
      s5b.intoArray(scores, out + LANES);
      out += PANEL;
      s6a.intoArray(scores, out);
      s6b.intoArray(scores, out + LANES);
      out += PANEL;
      s7a.intoArray(scores, out);
      s7b.intoArray(scores, out + LANES);
    }
  }
}
