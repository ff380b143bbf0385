package dev.dualstream.deploy.bench;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.TrainingPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The benchmarks' training examples: every query of a split with a relevant document, paired with
 * its first relevant document (title and text), in an order shuffled by a seed so that batches mix
 * topics as a click stream would. Pairs whose query or document has no feature are left out, as
 * the training job leaves them out.
 */
public final class BenchPairs {

  /** A query and its positive document as text. */
  public record TextPair(String queryId, String query, DocumentText document) {}

  private BenchPairs() {}

  /** The split's (query, relevant document) pairs, shuffled by {@code seed}. */
  public static List<TextPair> texts(BeirDataset dataset, String split, long seed) {
    Qrels qrels = dataset.qrels(split);
    List<TextPair> pairs = new ArrayList<>();
    for (String queryId : qrels.queriesWithRelevant()) {
      String query = dataset.queries().get(queryId);
      if (query == null) {
        continue;
      }
      for (String docId : qrels.relevant(queryId)) {
        Optional<DocumentText> doc = dataset.document(docId);
        if (doc.isPresent()) {
          pairs.add(new TextPair(queryId, query, doc.get()));
          break;
        }
      }
    }
    Collections.shuffle(pairs, new Random(seed));
    return pairs;
  }

  /** The pairs featurized; pairs without a query or document feature are dropped. */
  public static List<TrainingPair> featurize(List<TextPair> texts, Featurizer featurizer) {
    List<TrainingPair> pairs = new ArrayList<>(texts.size());
    for (TextPair text : texts) {
      int[] query = featurizer.query(text.query());
      int[] doc = featurizer.document(text.document().title(), text.document().text());
      if (query.length > 0 && doc.length > 0) {
        pairs.add(new TrainingPair(query, doc));
      }
    }
    return pairs;
  }
}
