package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.util.Objects;

/**
 * The topics one training job reads and writes. {@link #defaults()} are the contract's topics;
 * {@link #prefixed} puts every name under a prefix, so that several jobs (or tests) share one
 * cluster without sharing topics. Serdes are the contract's in every case.
 */
public record TrainerTopics(
    Topic<String, TrainingExample> input,
    Topic<String, TrainingMetrics> metrics,
    Topic<String, ModelVersion> versions,
    Topic<String, DeadLetter> deadLetters) {

  public TrainerTopics {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(versions, "versions");
    Objects.requireNonNull(deadLetters, "deadLetters");
  }

  /** The contract's topics: {@code training.examples} in; metrics, versions, dead letters out. */
  public static TrainerTopics defaults() {
    return new TrainerTopics(Topics.TRAINING_EXAMPLES, Topics.TRAINING_METRICS, Topics.MODEL_VERSIONS,
        Topics.DEADLETTER_TRAINER);
  }

  /** The contract's topics, each name preceded by {@code prefix} (e.g. {@code "staging."}). */
  public static TrainerTopics prefixed(String prefix) {
    if (!prefix.matches("[A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("topic prefix '" + prefix + "' must be letters, digits, '.', '_' or '-'");
    }
    return new TrainerTopics(under(prefix, Topics.TRAINING_EXAMPLES), under(prefix, Topics.TRAINING_METRICS),
        under(prefix, Topics.MODEL_VERSIONS), under(prefix, Topics.DEADLETTER_TRAINER));
  }

  private static <V extends org.apache.avro.specific.SpecificRecordBase> Topic<String, V> under(
      String prefix, Topic<String, V> topic) {
    return new Topic<>(prefix + topic.name(), topic.keySerde(), topic.valueSerde());
  }
}
