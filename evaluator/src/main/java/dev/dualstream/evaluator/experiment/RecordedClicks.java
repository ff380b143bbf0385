package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.record.RecordingFormat;
import dev.dualstream.schemas.RecordDecodeException;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.model.DocumentText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The training examples of a recording ({@code dualstream record --topics training.examples}): the
 * same examples the streaming trainer reads from that topic, in the order they were recorded (each
 * partition in offset order). Every record is accounted for: an example, a record of another topic,
 * or a record that does not decode (counted by reason).
 *
 * @param examples the examples, with their users and query ids
 * @param otherTopics records of other topics, left alone
 * @param undecodable records of the examples topic that did not decode, by reason
 * @param withoutQueryId examples without a query id, which no evaluation can judge; left out
 */
record RecordedClicks(List<ClickLogExamples.Example> examples, long otherTopics, Map<String, Long> undecodable,
    long withoutQueryId) {

  /**
   * Reads a recording.
   *
   * @throws IllegalArgumentException if the directory holds no recording, or no example of {@code
   *     training.examples}
   */
  static RecordedClicks read(Path dir) {
    List<ClickLogExamples.Example> examples = new ArrayList<>();
    long[] other = {0};
    long[] withoutQuery = {0};
    Map<String, Long> undecodable = new TreeMap<>();
    String topic = Topics.TRAINING_EXAMPLES.name();
    RecordingFormat.read(dir, r -> {
      if (!r.topic().equals(topic)) {
        other[0]++;
        return;
      }
      TrainingExample e;
      try {
        e = Topics.TRAINING_EXAMPLES.codec().decode(r.value());
      } catch (RecordDecodeException ex) {
        undecodable.merge(ex.kind().name(), 1L, Long::sum);
        return;
      }
      if (e.getQueryId() == null) {
        withoutQuery[0]++;
        return;
      }
      List<DocumentText> above = e.getSkipAbove().stream().map(RecordedClicks::text).toList();
      examples.add(new ClickLogExamples.Example(e.getQuery(), text(e.getPositive()), above,
          1.0, e.getEventTime().toEpochMilli(), e.getUserId(), e.getQueryId()));
    });
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("the recording in " + dir + " holds no " + topic + " examples with a query "
          + "id (" + other[0] + " records of other topics); record that topic: dualstream record --topics " + topic);
    }
    return new RecordedClicks(examples, other[0], undecodable, withoutQuery[0]);
  }

  /** One line for the log: what was read and what was left out. */
  String describe(Path dir) {
    long bad = undecodable.values().stream().mapToLong(Long::longValue).sum();
    return String.format(java.util.Locale.ROOT, "recording %s: %d examples; left out: %d records of other topics, "
        + "%d undecodable %s, %d without a query id", dir, examples.size(), otherTopics, bad, undecodable,
        withoutQueryId);
  }

  private static DocumentText text(ExampleDoc doc) {
    return new DocumentText(doc.getDocId(), doc.getTitle(), doc.getText());
  }
}
