package dev.dualstream.trainer.model;

import dev.dualstream.trainer.feature.Featurizer;
import java.io.Serializable;
import java.util.Arrays;

/**
 * One featurized training example: a query and its positive document as hashed feature ids. The
 * arrays are copied in and out, so a pair is immutable; equality compares contents.
 *
 * @param queryIds feature ids of the query, each in {@code 1..buckets}
 * @param docIds feature ids of the document, each in {@code 1..buckets}
 */
public record TrainingPair(int[] queryIds, int[] docIds) implements Serializable {

  public TrainingPair {
    if (queryIds == null || docIds == null) {
      throw new IllegalArgumentException("a training pair needs query and document ids");
    }
    queryIds = queryIds.clone();
    docIds = docIds.clone();
  }

  /** Featurizes a query and its positive document. */
  public static TrainingPair of(Featurizer featurizer, String query, DocumentText document) {
    return new TrainingPair(
        featurizer.query(query), featurizer.document(document.title(), document.text()));
  }

  @Override
  public int[] queryIds() {
    return queryIds.clone();
  }

  @Override
  public int[] docIds() {
    return docIds.clone();
  }

  /** The query ids without a copy; callers must not modify them. */
  int[] queryView() {
    return queryIds;
  }

  /** The document ids without a copy; callers must not modify them. */
  int[] docView() {
    return docIds;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingPair other
        && Arrays.equals(queryIds, other.queryIds)
        && Arrays.equals(docIds, other.docIds);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(queryIds) + Arrays.hashCode(docIds);
  }

  @Override
  public String toString() {
    return "TrainingPair[queryIds=" + Arrays.toString(queryIds) + ", docIds="
        + Arrays.toString(docIds) + "]";
  }
}
