package dev.dualstream.evaluator.testing;

import dev.dualstream.evaluator.simulate.EventSink;
import dev.dualstream.schemas.Topic;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/** An {@link EventSink} that keeps every record in memory, in order. */
public final class RecordingSink implements EventSink {

  /** One sent record. */
  public record Sent(String topic, String key, SpecificRecordBase value, long timestamp) {}

  private final List<Sent> sent = new ArrayList<>();
  private int flushes;
  private boolean closed;

  @Override
  public <V extends SpecificRecordBase> void send(Topic<String, V> topic, String key, V value, long timestampMillis) {
    sent.add(new Sent(topic.name(), key, value, timestampMillis));
  }

  @Override
  public void flush() {
    flushes++;
  }

  @Override
  public void close() {
    closed = true;
  }

  public List<Sent> sent() {
    return sent;
  }

  /** Values sent to one topic, in order. */
  public <V extends SpecificRecordBase> List<V> values(Topic<String, V> topic) {
    List<V> values = new ArrayList<>();
    for (Sent s : sent) {
      if (s.topic().equals(topic.name())) {
        values.add(topic.valueType().cast(s.value()));
      }
    }
    return values;
  }

  public int flushes() {
    return flushes;
  }

  public boolean closed() {
    return closed;
  }
}
