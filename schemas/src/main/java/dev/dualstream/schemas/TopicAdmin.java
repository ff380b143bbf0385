package dev.dualstream.schemas;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates missing topics and waits until every partition has a leader that answers a latest-offsets
 * lookup: producing right after a create once hit NOT_LEADER_OR_FOLLOWER and then sent an idempotent
 * producer into OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout, losing records.
 * The local stack and the test broker fixture both create their topics through here.
 */
public final class TopicAdmin {
  private TopicAdmin() {}

  /** Creates the topics that do not exist yet (replication 1) and waits until every partition answers. */
  public static void createAndAwaitLeaders(Admin admin, int partitions, List<String> names, Duration timeout) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    if (names.isEmpty()) {
      return;
    }
    try {
      List<NewTopic> newTopics = names.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
      for (KafkaFuture<Void> created : admin.createTopics(newTopics).values().values()) {
        try {
          created.get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("creating topics " + names + " failed: " + e.getCause(), e.getCause());
          }
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!leadersAnswer(admin, names)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("partitions of " + names + " have no leader after " + timeout);
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics " + names, e);
    }
  }

  private static boolean leadersAnswer(Admin admin, List<String> names) throws InterruptedException {
    try {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get().values()) {
        for (TopicPartitionInfo partition : topic.partitions()) {
          if (partition.leader() == null || partition.leader().isEmpty()) {
            return false;
          }
          latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest());
        }
      }
      admin.listOffsets(latest).all().get();
      return true;
    } catch (ExecutionException e) {
      return false;
    }
  }

  /** The names of contract topics. */
  public static List<String> names(Topic<?, ?>... topics) {
    return Stream.of(topics).map(Topic::name).toList();
  }
}
