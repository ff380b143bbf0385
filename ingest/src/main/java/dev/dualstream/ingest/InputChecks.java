package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;

/**
 * What makes a well-formed input record wrong: checks that need only the record itself (checks that need
 * the join, such as "the clicked document was shown", live in {@link ClickJoiner}). Each returns a reason,
 * or null when the record is fine.
 */
final class InputChecks {
  private InputChecks() {}

  /** A check of one decoded value against its key. */
  @FunctionalInterface
  interface Check<V> {
    String problem(String key, V value);
  }

  static String impression(String key, Impression i) {
    if (!key.equals(i.getImpressionId())) {
      return "key '" + key + "' does not match impression_id '" + i.getImpressionId() + "'";
    }
    if (i.getTimestamp().toEpochMilli() < 0) {
      return "impression " + key + " has a negative timestamp " + i.getTimestamp();
    }
    for (ShownResult r : i.getResults()) {
      if (r.getDocId().isEmpty() || r.getPosition() < 1) {
        return "impression " + key + " shows a result with doc id '" + r.getDocId() + "' at position "
            + r.getPosition() + " (need a doc id and a position >= 1)";
      }
    }
    return null;
  }

  static String click(String key, Click c) {
    if (!key.equals(c.getImpressionId())) {
      return "key '" + key + "' does not match the click's impression_id '" + c.getImpressionId() + "'";
    }
    if (c.getDocId().isEmpty()) {
      return "click on impression " + key + " has an empty doc id";
    }
    if (c.getTimestamp().toEpochMilli() < 0) {
      return "click on impression " + key + " has a negative timestamp " + c.getTimestamp();
    }
    return null;
  }

  static String document(String key, Document d) {
    if (!key.equals(d.getDocId())) {
      return "key '" + key + "' does not match doc_id '" + d.getDocId() + "'";
    }
    return null;
  }
}
