package dev.dualstream.trainer.model;

import java.util.List;

/**
 * A dual encoder ready for retrieval: queries and documents map to L2-normalised vectors of the same
 * dimension, and relevance is their dot product. Not thread-safe; close it to free native memory.
 */
public interface RetrievalModel extends AutoCloseable {

  /** Length of every embedding. */
  int dimension();

  /**
   * One row per query, each of length {@link #dimension()}, unit length; all zeros for a text
   * without any feature (empty, or punctuation only), which then scores 0 against everything.
   */
  float[][] embedQueries(List<String> queries);

  /** One row per document, each of length {@link #dimension()}, unit length (zeros as above). */
  float[][] embedDocuments(List<DocumentText> documents);

  /** Human-readable provenance of this model (name, version, step, examples, seed, feature spec). */
  String describe();

  @Override
  void close();
}
