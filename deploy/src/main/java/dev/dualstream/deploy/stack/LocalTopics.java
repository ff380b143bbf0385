package dev.dualstream.deploy.stack;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import java.util.List;

/**
 * The topics of dualstream as its own commands create them on a broker (one replica each): the keyed
 * streams, which set how many ingest and trainer tasks can run side by side, with {@link
 * #DEFAULT_STREAM_PARTITIONS} partitions; every other topic with one.
 */
public final class LocalTopics {
  public static final int DEFAULT_STREAM_PARTITIONS = 2;

  /** The topics whose partitions are tasks: impressions and clicks (co-partitioned) and examples. */
  public static final List<Topic<String, ?>> STREAMS = List.of(Topics.IMPRESSIONS, Topics.CLICKS, Topics.TRAINING_EXAMPLES);

  private LocalTopics() {}

  /** Creates every topic that is missing and waits until each partition has a leader. */
  public static void create(String bootstrapServers, int streamPartitions) {
    if (streamPartitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + streamPartitions);
    }
    KafkaBrokerProcess.createTopics(bootstrapServers, streamPartitions, STREAMS.toArray(Topic[]::new));
    KafkaBrokerProcess.createTopics(bootstrapServers, 1,
        Topics.all().stream().filter(t -> !STREAMS.contains(t)).toArray(Topic[]::new));
  }
}
