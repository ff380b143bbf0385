package dev.dualstream.evaluator.offline;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.metrics.MetricAccumulator;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.search.HybridRetriever;
import dev.dualstream.evaluator.search.Retriever;
import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses the fusion of a {@link HybridRetriever} on a held-out split (the dev split, never the one reported):
 * both retrievers rank the split's queries once, then each normalisation (min-max first, then z-scores) with
 * every dense weight of 0, 0.05, ..., 1 fuses them, and the fusion with the highest Recall@10 + MRR@10 wins
 * (the earlier one on a tie: min-max, the lower weight).
 */
public final class HybridTuning {
  /** Weights tried: 0 (lexical alone) to 1 (dense alone) in steps of 1/{@value}. */
  public static final int STEPS = 20;

  /**
   * @param weight the chosen dense weight
   * @param metrics the hybrid's metrics on the tuning split at that weight
   * @param lexical the lexical retriever alone (weight 0) on the tuning split, for comparison
   */
  public record Choice(HybridRetriever.Fusion fusion, MetricSummary metrics, MetricSummary lexical, String split) {
    public double weight() {
      return fusion.weight();
    }
  }

  private HybridTuning() {}

  /**
   * @param limit at most this many of the split's queries (in qrels order); 0 for all
   * @throws IllegalArgumentException if the split does not exist or has no query with a text
   */
  public static Choice tune(BeirDataset dataset, String split, Retriever dense, Retriever lexical, int limit) {
    Qrels qrels = dataset.qrels(split);
    List<String> ids = new ArrayList<>();
    for (String id : qrels.queriesWithRelevant()) {
      if (dataset.queries().containsKey(id) && (limit == 0 || ids.size() < limit)) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("split '" + split + "' of " + dataset.name() + " has no query to tune on");
    }
    List<String> texts = ids.stream().map(dataset.queries()::get).toList();
    List<List<ScoredDocument>> d = dense.search(texts, HybridRetriever.SCORE_DEPTH);
    List<List<ScoredDocument>> l = lexical.search(texts, HybridRetriever.SCORE_DEPTH);
    Map<String, Integer> order = HybridRetriever.corpusOrder(dataset.corpus());
    List<HybridRetriever.Candidates> candidates = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      candidates.add(HybridRetriever.Candidates.of(d.get(i), l.get(i)));
    }
    Choice best = null;
    MetricSummary lexicalAlone = null;
    for (HybridRetriever.Normalization normalization : HybridRetriever.Normalization.values()) {
      for (int step = 0; step <= STEPS; step++) {
        HybridRetriever.Fusion fusion = new HybridRetriever.Fusion(normalization, (double) step / STEPS);
        MetricAccumulator acc = new MetricAccumulator();
        for (int i = 0; i < ids.size(); i++) {
          List<String> ranking = candidates.get(i).fuse(fusion, MetricSummary.DEPTH, order).stream()
              .map(ScoredDocument::id).toList();
          acc.add(ranking, qrels.judgments(ids.get(i)));
        }
        MetricSummary m = acc.summary();
        if (lexicalAlone == null) {
          lexicalAlone = m;
        }
        if (best == null || score(m) > score(best.metrics())) {
          best = new Choice(fusion, m, lexicalAlone, split);
        }
      }
    }
    return new Choice(best.fusion(), best.metrics(), lexicalAlone, split);
  }

  private static double score(MetricSummary m) {
    return m.recallAt10() + m.mrrAt10();
  }
}
