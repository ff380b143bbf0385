package dev.dualstream.trainer.job;

import dev.dualstream.trainer.model.TrainingPair;
import java.util.Arrays;

/** A decoded training example reduced to what the training step needs (a Flink POJO). */
public final class FeaturizedExample {
  public String exampleId;
  public int[] queryIds;
  public int[] docIds;
  /** The positive's key ({@code DocKeys.of} of its id). */
  public long docKey;
  /** Keys of the documents shown above the click and not clicked, topmost first; empty when none are kept. */
  public long[] skipAboveKeys = new long[0];
  /** Their feature ids, in the same order. */
  public int[][] skipAboveIds = new int[0][];
  /** Probability that the click could be seen at all ({@link TrainingPair#exposure}); 1 when the log does not say. */
  public double exposure = 1;
  /** The click's event time, epoch millis. */
  public long eventTime;
  public int partition;
  public long offset;

  public FeaturizedExample() {}

  /** The pair the trainer steps on. */
  public TrainingPair toPair() {
    return new TrainingPair(queryIds, docIds, docKey, skipAboveKeys, Arrays.asList(skipAboveIds), exposure);
  }

  /** An example without a document key or skip-above documents (tests). */
  public FeaturizedExample(String exampleId, int[] queryIds, int[] docIds, long eventTime, int partition, long offset) {
    this(exampleId, queryIds, docIds, TrainingPair.NO_KEY, new long[0], new int[0][], eventTime, partition, offset);
  }

  public FeaturizedExample(String exampleId, int[] queryIds, int[] docIds, long docKey, long[] skipAboveKeys,
      int[][] skipAboveIds, long eventTime, int partition, long offset) {
    this.exampleId = exampleId;
    this.queryIds = queryIds;
    this.docIds = docIds;
    this.docKey = docKey;
    this.skipAboveKeys = skipAboveKeys;
    this.skipAboveIds = skipAboveIds;
    this.eventTime = eventTime;
    this.partition = partition;
    this.offset = offset;
  }
}
