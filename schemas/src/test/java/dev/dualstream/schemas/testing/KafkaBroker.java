package dev.dualstream.schemas.testing;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;

/**
 * A running Kafka broker for integration tests. Obtain one by declaring a parameter of this type in a test
 * class annotated with {@code @ExtendWith(KafkaBrokerExtension.class)}. The broker is shared by every test
 * in the JVM and never cleaned, so tests use unique topic names or unique consumer groups.
 */
public interface KafkaBroker {

  /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:40123}. */
  String bootstrapServers();

  /** A PLAINTEXT connection to this broker, as the system's clients take it. */
  default KafkaConnection connection() {
    return KafkaConnection.plaintext(bootstrapServers());
  }

  /**
   * Creates the topics that do not exist yet (replication factor 1) and returns once every partition of
   * every named topic has a leader that answers offset lookups, so producing right away is safe.
   * An existing topic keeps its partition count.
   */
  void createTopics(int partitions, String... names);

  /** As {@link #createTopics(int, String...)}, for topics of the contract. */
  void createTopics(int partitions, Topic<?, ?>... topics);
}
