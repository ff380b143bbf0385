package dev.dualstream.trainer.job;

/**
 * A Kafka record exactly as read, with its coordinates, so that a record that fails to decode can be
 * dead-lettered whole. A Flink POJO (public fields, no-arg constructor) for an efficient serializer.
 */
public final class RawRecord {
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;
  public byte[] key;
  public byte[] value;

  public RawRecord() {}

  public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
  }
}
