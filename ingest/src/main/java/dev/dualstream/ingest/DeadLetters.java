package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.SourceOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Builds and forwards {@link DeadLetter}s. Every processor that can reject a record sends it here, so
 * the stage name and the record layout are decided in one place.
 */
final class DeadLetters {
  static final String STAGE = "ingest";

  private DeadLetters() {}

  /**
   * Forwards one dead letter to the dead-letter sink. The output key is the original key bytes; the
   * record keeps the input's timestamp and headers, and the letter's own timestamp is the wall-clock
   * time of rejection (Kafka Streams' clock, which tests control).
   */
  static void send(ProcessorContext<Object, Object> context, Record<?, ?> input, SourceOffset source,
      byte[] rawKey, byte[] rawValue, String errorClass, String reason, IngestCounters counters) {
    DeadLetter letter = new DeadLetter(source, wrap(rawKey), wrap(rawValue), STAGE, errorClass, reason,
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
    context.forward(new Record<Object, Object>(rawKey, letter, input.timestamp(), input.headers()),
        IngestTopology.DEADLETTER_SINK);
    counters.deadLetters.increment();
  }

  /** A dead letter for a record that decoded fine but was rejected after the join. */
  static void send(ProcessorContext<Object, Object> context, Record<?, ?> input, Sourced<?> rejected,
      String reason, IngestCounters counters) {
    send(context, input, rejected.source(), rejected.key().getBytes(StandardCharsets.UTF_8),
        rejected.rawValue(), "InvalidRecord", reason, counters);
  }

  private static ByteBuffer wrap(byte[] bytes) {
    return bytes == null ? null : ByteBuffer.wrap(bytes);
  }
}
