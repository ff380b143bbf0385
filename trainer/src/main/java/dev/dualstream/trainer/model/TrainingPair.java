package dev.dualstream.trainer.model;

import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.negatives.DocKeys;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One featurized training example: a query and its positive document as hashed feature ids, and
 * optionally the positive's document key and the documents shown above it and not clicked
 * (skip-above negatives from the logs). The arrays are copied in and out, so a pair is immutable;
 * equality compares contents.
 *
 * @param queryIds feature ids of the query, each in {@code 1..buckets}
 * @param docIds feature ids of the document, each in {@code 1..buckets}
 * @param docKey the positive's key ({@link DocKeys#of} of its id), or {@link #NO_KEY}; negative
 *     sources use it to tell documents apart
 * @param skipAboveKeys keys of the skip-above documents, topmost first
 * @param skipAboveIds feature ids of the skip-above documents, in the same order
 * @param exposure probability that the click could be seen at all: the examination propensity of the
 *     position the document was shown at, times the logging policy's probability of showing it there
 *     (1 where the log does not say); in {@code (0, 1]}. Inverse-propensity weighting ({@code
 *     LossConfig.ipsClip}) weighs the pair by its inverse
 */
public record TrainingPair(
    int[] queryIds, int[] docIds, long docKey, long[] skipAboveKeys, List<int[]> skipAboveIds, double exposure)
    implements Serializable {

  /** The document key of a pair built without one. */
  public static final long NO_KEY = Long.MIN_VALUE;

  public TrainingPair {
    if (queryIds == null || docIds == null) {
      throw new IllegalArgumentException("a training pair needs query and document ids");
    }
    if (!(exposure > 0 && exposure <= 1)) {
      throw new IllegalArgumentException("a training pair's exposure must be in (0, 1], got " + exposure);
    }
    if (skipAboveKeys == null || skipAboveIds == null || skipAboveKeys.length != skipAboveIds.size()) {
      throw new IllegalArgumentException("a training pair needs as many skip-above keys as documents");
    }
    queryIds = queryIds.clone();
    docIds = docIds.clone();
    skipAboveKeys = skipAboveKeys.clone();
    List<int[]> copies = new ArrayList<>(skipAboveIds.size());
    for (int[] ids : skipAboveIds) {
      copies.add(Objects.requireNonNull(ids, "skip-above ids").clone());
    }
    skipAboveIds = Collections.unmodifiableList(copies);
  }

  /** A pair seen for sure (exposure 1). */
  public TrainingPair(int[] queryIds, int[] docIds, long docKey, long[] skipAboveKeys, List<int[]> skipAboveIds) {
    this(queryIds, docIds, docKey, skipAboveKeys, skipAboveIds, 1);
  }

  /** A pair without a document key or skip-above documents, seen for sure. */
  public TrainingPair(int[] queryIds, int[] docIds) {
    this(queryIds, docIds, NO_KEY, new long[0], List.of());
  }

  /** Featurizes a query and its positive document; the key is {@link DocKeys#of} of its id. */
  public static TrainingPair of(Featurizer featurizer, String query, DocumentText document) {
    return new TrainingPair(featurizer.query(query), featurizer.document(document.title(), document.text()),
        DocKeys.of(document.id()), new long[0], List.of());
  }

  /** This pair with skip-above documents (shown above the click, not clicked), topmost first. */
  public TrainingPair withSkipAbove(Featurizer featurizer, List<DocumentText> shownAbove) {
    long[] keys = new long[shownAbove.size()];
    List<int[]> ids = new ArrayList<>(shownAbove.size());
    for (int i = 0; i < keys.length; i++) {
      DocumentText doc = shownAbove.get(i);
      keys[i] = DocKeys.of(doc.id());
      ids.add(featurizer.document(doc.title(), doc.text()));
    }
    return new TrainingPair(queryIds, docIds, docKey, keys, ids, exposure);
  }

  /** This pair with another exposure. */
  public TrainingPair withExposure(double exposure) {
    return new TrainingPair(queryIds, docIds, docKey, skipAboveKeys, skipAboveIds, exposure);
  }

  /**
   * The exposure of a click: the examination propensity of its position times the policy's shown
   * probability (absent: 1), clamped into {@code (0, 1]}; a propensity that is not a probability reads as 1,
   * so that a logger that records none weighs nothing up.
   */
  public static double exposure(double propensity, Double shownProbability) {
    double examined = propensity > 0 && propensity <= 1 ? propensity : 1;
    double shown = shownProbability != null && shownProbability > 0 && shownProbability <= 1 ? shownProbability : 1;
    return examined * shown;
  }

  /** The document key, or for a pair without one a key derived from its feature ids. */
  public long effectiveDocKey() {
    return docKey != NO_KEY ? docKey : DocKeys.ofFeatures(docIds);
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
  public long[] skipAboveKeys() {
    return skipAboveKeys.clone();
  }

  /** The skip-above ids without a copy; callers must not modify them. */
  List<int[]> skipAboveView() {
    return skipAboveIds;
  }

  @Override
  public List<int[]> skipAboveIds() {
    List<int[]> copies = new ArrayList<>(skipAboveIds.size());
    skipAboveIds.forEach(ids -> copies.add(ids.clone()));
    return copies;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TrainingPair other)
        || docKey != other.docKey
        || Double.compare(exposure, other.exposure) != 0
        || !Arrays.equals(queryIds, other.queryIds)
        || !Arrays.equals(docIds, other.docIds)
        || !Arrays.equals(skipAboveKeys, other.skipAboveKeys)
        || skipAboveIds.size() != other.skipAboveIds.size()) {
      return false;
    }
    for (int i = 0; i < skipAboveIds.size(); i++) {
      if (!Arrays.equals(skipAboveIds.get(i), other.skipAboveIds.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(queryIds) + Arrays.hashCode(docIds)) + Long.hashCode(docKey);
  }

  @Override
  public String toString() {
    return "TrainingPair[queryIds=" + Arrays.toString(queryIds) + ", docIds="
        + Arrays.toString(docIds) + (docKey == NO_KEY ? "" : ", docKey=" + docKey)
        + (skipAboveKeys.length == 0 ? "" : ", skipAbove=" + skipAboveKeys.length)
        + (exposure == 1 ? "" : ", exposure=" + exposure) + "]";
  }
}
