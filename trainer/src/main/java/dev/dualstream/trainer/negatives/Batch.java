package dev.dualstream.trainer.negatives;

import java.util.ArrayList;
import java.util.List;

/**
 * What the negative sources need to know of a training batch: per example, the query's key (see
 * {@link DocKeys#ofQuery}), the positive document's key and feature ids, and its skip-above
 * documents' keys and feature ids (possibly none), and its exposure (see {@code TrainingPair.exposure}). The
 * arrays are not copied; callers must not change them while the batch is in use.
 */
public final class Batch {
  private final List<Long> queryKeys = new ArrayList<>();
  private final List<Long> positiveKeys = new ArrayList<>();
  private final List<int[]> positiveIds = new ArrayList<>();
  private final List<long[]> skipAboveKeys = new ArrayList<>();
  private final List<List<int[]>> skipAboveIds = new ArrayList<>();
  private final List<Double> exposures = new ArrayList<>();

  /**
   * Adds an example.
   *
   * @throws IllegalArgumentException if the skip-above keys and id lists differ in length
   */
  public Batch add(long queryKey, long positiveKey, int[] positive, long[] skipKeys, List<int[]> skipIds) {
    return add(queryKey, positiveKey, positive, skipKeys, skipIds, 1);
  }

  /**
   * Adds an example seen with this exposure.
   *
   * @throws IllegalArgumentException if the skip-above keys and id lists differ in length, or the exposure is
   *     not in {@code (0, 1]}
   */
  public Batch add(long queryKey, long positiveKey, int[] positive, long[] skipKeys, List<int[]> skipIds,
      double exposure) {
    if (!(exposure > 0 && exposure <= 1)) {
      throw new IllegalArgumentException("exposure must be in (0, 1], got " + exposure);
    }
    if (skipKeys.length != skipIds.size()) {
      throw new IllegalArgumentException(
          skipKeys.length + " skip-above keys but " + skipIds.size() + " skip-above documents");
    }
    queryKeys.add(queryKey);
    positiveKeys.add(positiveKey);
    positiveIds.add(positive);
    skipAboveKeys.add(skipKeys);
    skipAboveIds.add(skipIds);
    exposures.add(exposure);
    return this;
  }

  /** Adds an example without skip-above documents. */
  public Batch add(long queryKey, long positiveKey, int[] positive) {
    return add(queryKey, positiveKey, positive, new long[0], List.of());
  }

  public int size() {
    return positiveKeys.size();
  }

  long queryKey(int i) {
    return queryKeys.get(i);
  }

  long positiveKey(int i) {
    return positiveKeys.get(i);
  }

  long[] positiveKeys() {
    long[] keys = new long[positiveKeys.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = positiveKeys.get(i);
    }
    return keys;
  }

  int[] positive(int i) {
    return positiveIds.get(i);
  }

  long[] skipKeys(int i) {
    return skipAboveKeys.get(i);
  }

  List<int[]> skipIds(int i) {
    return skipAboveIds.get(i);
  }

  double exposure(int i) {
    return exposures.get(i);
  }
}
