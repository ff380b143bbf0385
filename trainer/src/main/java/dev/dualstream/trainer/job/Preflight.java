package dev.dualstream.trainer.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks, before the job starts, what would otherwise fail late or silently: the exactly-once
 * sinks' transaction timeout against the broker's maximum and the checkpoint timings (a sink
 * that cannot open its transactions restarts forever), and, in deterministic mode, that the
 * input has one partition. Errors are {@link IllegalArgumentException}s that say what to change.
 */
final class Preflight {
  static final String BROKER_MAX_TIMEOUT = "transaction.max.timeout.ms";
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(20);

  private Preflight() {}

  static void check(TrainerOptions options) {
    Map<String, Object> config = options.kafka().clientConfig();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(config)) {
      options.checkpoints().checkTransactionTimeout(brokerMaximum(admin, options.kafka().toString()));
      if (options.deterministic()) {
        checkSinglePartition(admin, options.topics().input().name());
      }
    }
  }

  private static Duration brokerMaximum(Admin admin, String bootstrap) {
    List<Node> nodes = List.copyOf(await(admin.describeCluster().nodes(), bootstrap));
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("the Kafka cluster at " + bootstrap + " reports no brokers");
    }
    Duration maximum = null;
    for (Node node : nodes) {
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node.idString());
      Config config = await(admin.describeConfigs(List.of(broker)).all(), bootstrap).get(broker);
      ConfigEntry entry = config.get(BROKER_MAX_TIMEOUT);
      if (entry == null || entry.value() == null) {
        throw new IllegalArgumentException("broker " + node.idString() + " at " + bootstrap + " does not report "
            + BROKER_MAX_TIMEOUT);
      }
      Duration value = Duration.ofMillis(Long.parseLong(entry.value()));
      maximum = maximum == null || value.compareTo(maximum) < 0 ? value : maximum;
    }
    return maximum;
  }

  private static void checkSinglePartition(Admin admin, String topic) {
    TopicDescription description;
    try {
      description = admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT.toMillis(),
          TimeUnit.MILLISECONDS).get(topic);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new IllegalArgumentException("input topic " + topic + " does not exist");
      }
      throw new IllegalArgumentException("cannot describe input topic " + topic + ": " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalArgumentException("cannot describe input topic " + topic + " within " + ADMIN_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    int partitions = description.partitions().size();
    if (partitions != 1) {
      throw new IllegalArgumentException("deterministic mode needs input topic " + topic + " to have one partition, it has "
          + partitions + ": across partitions the order of records depends on timing");
    }
  }

  private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String bootstrap) {
    try {
      return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalArgumentException("cannot reach Kafka at " + bootstrap + ": " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalArgumentException("no Kafka broker answered at " + bootstrap + " within "
          + ADMIN_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while contacting Kafka at " + bootstrap, e);
    }
  }
}
