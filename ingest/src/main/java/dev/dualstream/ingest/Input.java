package dev.dualstream.ingest;

/**
 * One input record as the source hands it on: its bytes, the decoded value (null for a tombstone or when
 * rejected), its event time, and, if it is bad input, why. Decoding happens once, in {@link
 * InputDeserializer}; {@link EventTimeExtractor} reads the event time from here and may still reject the
 * record for an implausible time; the processors then dead-letter rejected records or use the value.
 *
 * <p>Not thread-safe and not meant to be: one record, one stream thread.
 */
final class Input<V> {
  final byte[] raw;
  final V value;
  final long eventTime;
  private String errorClass;
  private String reason;

  private Input(byte[] raw, V value, long eventTime, String errorClass, String reason) {
    this.raw = raw;
    this.value = value;
    this.eventTime = eventTime;
    this.errorClass = errorClass;
    this.reason = reason;
  }

  static <V> Input<V> accepted(byte[] raw, V value, long eventTime) {
    return new Input<>(raw, value, eventTime, null, null);
  }

  static <V> Input<V> tombstone() {
    return new Input<>(null, null, -1, null, null);
  }

  static <V> Input<V> rejected(byte[] raw, String errorClass, String reason) {
    return new Input<>(raw, null, -1, errorClass, reason);
  }

  /** Marks a decoded record as bad input after all (its event time). */
  void reject(String errorClass, String reason) {
    this.errorClass = errorClass;
    this.reason = reason;
  }

  boolean isRejected() {
    return reason != null;
  }

  boolean isTombstone() {
    return value == null && reason == null;
  }

  String errorClass() {
    return errorClass;
  }

  String reason() {
    return reason;
  }
}
