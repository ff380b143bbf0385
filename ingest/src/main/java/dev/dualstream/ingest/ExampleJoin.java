package dev.dualstream.ingest;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The join of one click with the impression it belongs to, as a pure function: the one definition of a
 * training example, used by the Kafka Streams stage and by anything that joins a click log without Kafka
 * (experiments, the reference join the fault tests compare against).
 *
 * <p>The positive is the clicked document, with its text as the document store holds it now. Skip-above:
 * every result shown above the clicked position that is not the clicked document, topmost first, each
 * document once; a later click on one of them does not retract it (that would hold examples back until the
 * window closes). Unknown skip-above documents keep empty text and version -1; an unknown clicked document
 * is no example.
 *
 * <p>The example id is {@code impressionId/docId/clickTimeMillis}: several clicks on one impression, even on
 * one document at different times, are different examples, and a click sent twice has one id.
 */
public final class ExampleJoin {
  private ExampleJoin() {}

  /** What became of one (impression, click) pair: an example, or why not. */
  public sealed interface Outcome permits Joined, NotShown, UnknownDocument {}

  /** The pair makes this example. */
  public record Joined(TrainingExample example) implements Outcome {}

  /** The clicked document was not among the impression's results: bad input. */
  public record NotShown(String reason) implements Outcome {}

  /** The clicked document is not (yet) in the document store. */
  public record UnknownDocument(String docId) implements Outcome {}

  /** The id of the example a click makes; also what identifies a click sent twice. */
  public static String exampleId(String impressionId, Click click) {
    return impressionId + "/" + click.getDocId() + "/" + click.getTimestamp().toEpochMilli();
  }

  /**
   * Joins one click to its impression.
   *
   * @param documents the document store: the current version of a document, or null when unknown
   */
  public static Outcome join(String impressionId, Impression impression, SourceOffset impressionSource,
      Click click, SourceOffset clickSource, Function<String, Document> documents) {
    Objects.requireNonNull(documents, "documents");
    ShownResult shown = firstShown(impression, click.getDocId());
    if (shown == null) {
      return new NotShown("clicked doc " + click.getDocId() + " was not among the " + impression.getResults().size()
          + " results shown in impression " + impressionId);
    }
    Document positive = documents.apply(click.getDocId());
    if (positive == null) {
      return new UnknownDocument(click.getDocId());
    }
    TrainingExample example = new TrainingExample(exampleId(impressionId, click), impression.getQuery(),
        impression.getQueryId(), impression.getUserId(), exampleDoc(shown, positive),
        skipAbove(impression, shown, documents), click.getTimestamp(), impressionSource, clickSource);
    return new Joined(example);
  }

  private static ShownResult firstShown(Impression impression, String docId) {
    ShownResult best = null;
    for (ShownResult r : impression.getResults()) {
      if (r.getDocId().equals(docId) && (best == null || r.getPosition() < best.getPosition())) {
        best = r;
      }
    }
    return best;
  }

  private static List<ExampleDoc> skipAbove(Impression imp, ShownResult clicked, Function<String, Document> documents) {
    List<ShownResult> above = new ArrayList<>();
    for (ShownResult r : imp.getResults()) {
      if (r.getPosition() < clicked.getPosition() && !r.getDocId().equals(clicked.getDocId())) {
        above.add(r);
      }
    }
    above.sort((a, b) -> Integer.compare(a.getPosition(), b.getPosition()));
    Set<String> ids = new HashSet<>();
    List<ExampleDoc> out = new ArrayList<>(above.size());
    for (ShownResult r : above) {
      if (ids.add(r.getDocId())) {
        out.add(exampleDoc(r, documents.apply(r.getDocId())));
      }
    }
    return out;
  }

  private static ExampleDoc exampleDoc(ShownResult shown, Document doc) {
    return new ExampleDoc(shown.getDocId(),
        doc == null ? "" : doc.getTitle(),
        doc == null ? "" : doc.getText(),
        doc == null ? -1L : doc.getVersion(),
        shown.getPosition(), shown.getScore(), shown.getPropensity(), shown.getShownProbability());
  }
}
