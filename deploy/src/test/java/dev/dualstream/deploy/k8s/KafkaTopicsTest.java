package dev.dualstream.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The KafkaTopics are the schemas module's topics, partitioned as {@link LocalTopics} partitions them. */
class KafkaTopicsTest {

  @Test
  void thereIsOneKafkaTopicPerTopicOfTheSchemasModule() {
    Set<String> declared = Topics.all().stream().map(Topic::name).collect(Collectors.toCollection(TreeSet::new));
    Set<String> manifests = new TreeSet<>();
    for (JsonNode topic : Rendered.ofKind("base", "KafkaTopic")) {
      manifests.add(topic.path("spec").path("topicName").asText());
    }
    assertEquals(declared, manifests);
    assertEquals(declared.size(), Rendered.ofKind("base", "KafkaTopic").size(), "a topic declared twice");
  }

  @Test
  void theStreamsShareOnePartitionCountAndEveryOtherTopicHasOne() {
    String cluster = Rendered.one("base", "Kafka").path("metadata").path("name").asText();
    Map<String, Integer> partitions = new HashMap<>();
    for (JsonNode topic : Rendered.ofKind("base", "KafkaTopic")) {
      assertEquals(cluster, topic.path("metadata").path("labels").path("strimzi.io/cluster").asText(),
          "the topic operator of this cluster manages every topic");
      partitions.put(topic.path("spec").path("topicName").asText(), topic.path("spec").path("partitions").asInt());
    }
    Set<Integer> streams = LocalTopics.STREAMS.stream().map(t -> partitions.get(t.name())).collect(Collectors.toSet());
    assertEquals(1, streams.size(), "impressions and clicks are co-partitioned, examples alike: " + partitions);
    for (Topic<String, ?> topic : Topics.all()) {
      if (!LocalTopics.STREAMS.contains(topic)) {
        assertEquals(1, partitions.get(topic.name()), topic.name());
      }
    }
  }
}
