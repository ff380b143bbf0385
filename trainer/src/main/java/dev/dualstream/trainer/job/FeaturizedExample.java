package dev.dualstream.trainer.job;

/** A decoded training example reduced to what the training step needs (a Flink POJO). */
public final class FeaturizedExample {
  public String exampleId;
  public int[] queryIds;
  public int[] docIds;
  /** The click's event time, epoch millis. */
  public long eventTime;
  public int partition;
  public long offset;

  public FeaturizedExample() {}

  public FeaturizedExample(String exampleId, int[] queryIds, int[] docIds, long eventTime, int partition, long offset) {
    this.exampleId = exampleId;
    this.queryIds = queryIds;
    this.docIds = docIds;
    this.eventTime = eventTime;
    this.partition = partition;
    this.offset = offset;
  }
}
