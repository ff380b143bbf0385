package dev.dualstream.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a Kafka Streams application has come through its input topics, as the broker records it: over
 * every partition, the records between the partition's start and its last stable offset ({@code records}),
 * and how many of them lie before the offset the application committed ({@code consumed}). With
 * exactly-once, an offset is committed together with the output of the records before it, so {@code
 * consumed} input records have their output committed, whatever happens to the application afterwards.
 * A partition whose latest offset commit is still in an open transaction counts as not consumed at all (the
 * broker withholds such offsets from a stable read), so {@code consumed} may read low but never high.
 *
 * @param consumed input records before the committed offsets
 * @param records input records in all
 */
public record GroupProgress(long consumed, long records) {

  /**
   * Reads the progress of consumer group {@code group} (an application id) through {@code topics}.
   *
   * @throws IllegalStateException if the broker does not answer within {@code timeout}
   */
  public static GroupProgress read(Admin admin, String group, List<String> topics, Duration timeout) {
    try {
      long ms = timeout.toMillis();
      List<TopicPartition> partitions = new ArrayList<>();
      admin.describeTopics(topics).allTopicNames().get(ms, TimeUnit.MILLISECONDS).forEach((name, d) ->
          d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group,
              new ListConsumerGroupOffsetsOptions().requireStable(true))
          .partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
      Map<TopicPartition, ListOffsetsResultInfo> end = offsets(admin, partitions, OffsetSpec.latest(), ms);
      Map<TopicPartition, ListOffsetsResultInfo> start = offsets(admin, partitions, OffsetSpec.earliest(), ms);
      long consumed = 0;
      long records = 0;
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        long first = start.get(tp).offset();
        long last = end.get(tp).offset();
        records += last - first;
        consumed += Math.min(last, Math.max(c == null ? 0 : c.offset(), first)) - first;
      }
      return new GroupProgress(consumed, records);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read offsets of " + group + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading offsets of " + group, e);
    }
  }

  /** Input records whose output is not committed yet. */
  public long lag() {
    return records - consumed;
  }

  /** The share of the input consumed, 0 to 1; 1 when there is no input. */
  public double fraction() {
    return records == 0 ? 1 : (double) consumed / records;
  }

  private static Map<TopicPartition, ListOffsetsResultInfo> offsets(Admin admin, List<TopicPartition> partitions,
      OffsetSpec spec, long timeoutMs) throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, spec));
    return admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
        .get(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
