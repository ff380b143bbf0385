package dev.dualstream.trainer.negatives;

import dev.dualstream.cache.CacheEntry;
import dev.dualstream.cache.NegativeCache;
import dev.dualstream.cache.Sample;
import java.util.Arrays;
import java.util.Optional;

/**
 * After a step: how stale the drawn negatives' cached embeddings were, and writing the fresh ones
 * back. Staleness is the paper's {@code ||e_cached - e_fresh||^2 / ||e_fresh||^2}, measured before
 * any write, so a document drawn by two queries counts twice with the same stale embedding, and so
 * that it is measured the same way whether or not the drawn entries are refreshed.
 */
final class WriteBack {
  private WriteBack() {}

  /**
   * @param docs per query, the row of its drawn negative in {@code documents}, or -1
   * @param documents the step's fresh document embeddings, row-major
   * @return the mean staleness of the drawn entries, NaN if none was measured
   */
  static double drawn(NegativeCache target, Sample sample, int[] docs, boolean refresh, float[] documents, int dim,
      long version) {
    double sum = 0;
    int count = 0;
    for (int i = 0; i < docs.length; i++) {
      if (docs[i] >= 0) {
        Optional<CacheEntry> entry = target.get(sample.docKey(i));
        double relative = entry.isPresent() ? relativeError(entry.get().embedding(), documents, docs[i], dim)
            : Double.NaN;
        if (!Double.isNaN(relative)) {
          sum += relative;
          count++;
        }
      }
    }
    if (refresh) {
      for (int i = 0; i < docs.length; i++) {
        if (docs[i] >= 0) {
          target.refresh(sample.docKey(i), row(documents, docs[i], dim), version);
        }
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }

  /** {@code ||cached - fresh||^2 / ||fresh||^2}; NaN for an all-zero fresh row. */
  static double relativeError(float[] cached, float[] documents, int row, int dim) {
    double error = 0;
    double norm = 0;
    for (int k = 0; k < dim; k++) {
      double f = documents[row * dim + k];
      double d = cached[k] - f;
      error += d * d;
      norm += f * f;
    }
    return norm == 0 ? Double.NaN : error / norm;
  }

  /** A copy of one row of a row-major matrix. */
  static float[] row(float[] flat, int row, int dim) {
    return Arrays.copyOfRange(flat, row * dim, (row + 1) * dim);
  }
}
