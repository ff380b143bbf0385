package dev.dualstream.ingest;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks the broker's topics before the stage starts. Impressions and clicks are both keyed by impression
 * id and joined task by task, so they must have the same number of partitions; with the Processor API
 * Kafka Streams would not notice a mismatch and would silently miss joins.
 */
final class TopicLayout {
  private TopicLayout() {}

  /**
   * @throws IllegalStateException with a message for the operator if an input topic is missing, the
   *     join inputs are not co-partitioned, or the broker does not answer in time
   */
  static void check(Admin admin, String bootstrapServers, Duration timeout) {
    Map<String, Integer> partitions = partitionCounts(admin, bootstrapServers, timeout,
        List.of(Topics.IMPRESSIONS, Topics.CLICKS, Topics.DOCUMENTS));
    requireCoPartitioned(partitions);
  }

  static void requireCoPartitioned(Map<String, Integer> partitions) {
    int impressions = partitions.get(Topics.IMPRESSIONS.name());
    int clicks = partitions.get(Topics.CLICKS.name());
    if (impressions != clicks) {
      throw new IllegalStateException(Topics.IMPRESSIONS.name() + " has " + impressions + " partition(s) but "
          + Topics.CLICKS.name() + " has " + clicks + ": both are keyed by impression id and must have the same "
          + "partition count (be co-partitioned) for the click join; recreate one of them to match");
    }
  }

  private static Map<String, Integer> partitionCounts(Admin admin, String bootstrapServers, Duration timeout,
      List<Topic<String, ?>> topics) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    List<String> names = topics.stream().map(Topic::name).toList();
    var futures = admin.describeTopics(names).topicNameValues();
    for (String name : names) {
      try {
        TopicDescription d = futures.get(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        counts.put(name, d.partitions().size());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("cannot describe topic " + name + " at " + bootstrapServers + ": "
              + e.getCause().getMessage(), e.getCause());
        }
        missing.add(name);
      } catch (TimeoutException e) {
        throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + timeout.toSeconds() + " s",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while checking topics", e);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("input topic(s) missing at " + bootstrapServers + ": "
          + String.join(", ", missing)
          + " (create them first; " + Topics.IMPRESSIONS.name() + " and " + Topics.CLICKS.name()
          + " with the same partition count)");
    }
    return counts;
  }
}
