package dev.dualstream.evaluator.simulate;

import dev.dualstream.schemas.Topic;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Where simulated events go: Kafka ({@link KafkaEventSink}) or, in tests, a list in memory. Calls
 * come from one thread, in event order.
 */
public interface EventSink extends AutoCloseable {

  /** Sends one record; may buffer. Failures may surface here or at the next {@link #flush()}. */
  <V extends SpecificRecordBase> void send(Topic<String, V> topic, String key, V value, long timestampMillis);

  /** Blocks until every record sent so far is delivered; throws if any delivery failed. */
  void flush();

  @Override
  void close();
}
