package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.schemas.avro.TrainingExample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Turns one (impression, click) pair that fell inside the join window into a training example: checks
 * that the clicked document was shown, drops repeats, attaches document text from the document store and
 * collects the skip-above negatives.
 *
 * <p>Skip-above: every result shown above the clicked position whose doc id is not the clicked one. A
 * later click on one of those results in the same impression does not retract it (that would need to hold
 * examples back until the window closes); the trainer sees such a negative once per later click at most.
 *
 * <p>Dedup: the example id ({@code impressionId/docId}) is remembered at the click's event time in a
 * window store with bounded retention; a second click with the same id within that retention is dropped.
 */
final class ClickJoiner {
  private final ProcessorContext<Object, Object> context;
  private final WindowStore<String, Long> seen;
  private final KeyValueStore<String, Document> documents;
  private final long dedupRetentionMs;
  private final IngestCounters counters;

  ClickJoiner(ProcessorContext<Object, Object> context, Duration dedupRetention, IngestCounters counters) {
    this.context = context;
    this.seen = context.getStateStore(IngestTopology.DEDUP_STORE);
    this.documents = context.getStateStore(IngestTopology.DOCUMENT_STORE);
    this.dedupRetentionMs = dedupRetention.toMillis();
    this.counters = counters;
  }

  /**
   * @param trigger the record being processed (an impression or a click); its timestamp and headers are
   *     kept on any dead letter
   */
  void join(Record<?, ?> trigger, Sourced<Impression> impression, Sourced<Click> click) {
    Impression imp = impression.value();
    Click c = click.value();
    ShownResult shown = imp.getResults().stream()
        .filter(r -> r.getDocId().equals(c.getDocId()))
        .min(Comparator.comparingInt(ShownResult::getPosition))
        .orElse(null);
    if (shown == null) {
      DeadLetters.send(context, trigger, click, "clicked doc " + c.getDocId()
          + " was not among the " + imp.getResults().size() + " results shown in impression " + impression.key(),
          counters);
      return;
    }
    String exampleId = impression.key() + "/" + c.getDocId();
    long time = c.getTimestamp().toEpochMilli();
    if (alreadyEmitted(exampleId, time)) {
      counters.duplicates.increment();
      return;
    }
    Document positive = documents.get(c.getDocId());
    if (positive == null) {
      DeadLetters.send(context, trigger, click, "unknown document " + c.getDocId(), counters);
      return;
    }
    TrainingExample example = new TrainingExample(exampleId, imp.getQuery(), imp.getQueryId(), imp.getUserId(),
        exampleDoc(shown, positive), skipAbove(imp, shown), c.getTimestamp(), impression.source(), click.source());
    context.forward(new Record<Object, Object>(impression.key(), example, time), IngestTopology.EXAMPLES_SINK);
    seen.put(exampleId, click.offset(), time);
    counters.examples.increment();
  }

  private boolean alreadyEmitted(String exampleId, long time) {
    long from = Math.max(0, time - dedupRetentionMs);
    long to = time > Long.MAX_VALUE - dedupRetentionMs ? Long.MAX_VALUE : time + dedupRetentionMs;
    try (WindowStoreIterator<Long> it = seen.fetch(exampleId, from, to)) {
      return it.hasNext();
    }
  }

  private List<ExampleDoc> skipAbove(Impression imp, ShownResult clicked) {
    List<ShownResult> above = new ArrayList<>();
    for (ShownResult r : imp.getResults()) {
      if (r.getPosition() < clicked.getPosition() && !r.getDocId().equals(clicked.getDocId())) {
        above.add(r);
      }
    }
    above.sort(Comparator.comparingInt(ShownResult::getPosition));
    Set<String> ids = new HashSet<>();
    List<ExampleDoc> out = new ArrayList<>(above.size());
    for (ShownResult r : above) {
      if (ids.add(r.getDocId())) {
        out.add(exampleDoc(r, documents.get(r.getDocId())));
      }
    }
    return out;
  }

  /** A shown result as an example carries it; an unknown document keeps empty text and version -1. */
  private static ExampleDoc exampleDoc(ShownResult shown, Document doc) {
    return new ExampleDoc(shown.getDocId(),
        doc == null ? "" : doc.getTitle(),
        doc == null ? "" : doc.getText(),
        doc == null ? -1L : doc.getVersion(),
        shown.getPosition(), shown.getScore(), shown.getPropensity());
  }
}
