package dev.dualstream.ingest;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.SourceOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Builds and forwards {@link DeadLetter}s for one task, and counts each in its input's account. Every
 * processor that can reject a record sends it here, so the stage name and the record layout are decided in
 * one place.
 */
final class DeadLetters {
  static final String STAGE = "ingest";
  static final String INVALID = "InvalidRecord";
  static final String LATE = "Late";

  private final ProcessorContext<Object, Object> context;
  private final Accounts accounts;

  DeadLetters(ProcessorContext<Object, Object> context, Accounts accounts) {
    this.context = context;
    this.accounts = accounts;
  }

  /**
   * Forwards one dead letter. The output key is the original key bytes; the record keeps the input's
   * timestamp and headers, and the letter's own timestamp is the wall-clock time of rejection (Kafka
   * Streams' clock, which tests control).
   */
  void send(SourceOffset source, byte[] rawKey, byte[] rawValue, long timestamp, Headers headers,
      String errorClass, String reason) {
    DeadLetter letter = new DeadLetter(source, wrap(rawKey), wrap(rawValue), STAGE, errorClass, reason,
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
    context.forward(new Record<Object, Object>(rawKey, letter, timestamp, headers == null ? new RecordHeaders() : headers),
        IngestTopology.DEADLETTER_SINK);
    accounts.bump(account(source.getTopic()));
  }

  /** A dead letter for a record that decoded fine and was kept in the join state before it was rejected. */
  void send(Stored rejected, String errorClass, String reason) {
    send(rejected.source(), rejected.key().getBytes(StandardCharsets.UTF_8), rejected.raw(),
        Math.max(rejected.eventTime(), 0), null, errorClass, reason);
  }

  private static Account account(String topic) {
    if (topic.equals(Topics.IMPRESSIONS.name())) {
      return Account.IMPRESSIONS_DEAD_LETTER;
    }
    if (topic.equals(Topics.CLICKS.name())) {
      return Account.CLICKS_DEAD_LETTER;
    }
    return Account.DOCUMENTS_DEAD_LETTER;
  }

  private static ByteBuffer wrap(byte[] bytes) {
    return bytes == null ? null : ByteBuffer.wrap(bytes);
  }
}
