package dev.dualstream.evaluator.search;

import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Linear fusion of a dense and a lexical retriever: each ranks its top {@value #CANDIDATES} for a query, the
 * scores of each list are min-max normalised to [0, 1] over that list (a document missing from a list scores
 * 0 there; a list whose scores are all equal scores 1), and a document's fused score is {@code weight *
 * dense + (1 - weight) * lexical}. Ties go to the earlier document of the corpus, as every retriever here
 * breaks them. The weight is chosen on a split other than the one reported ({@code HybridTuning}).
 *
 * <p>It closes neither retriever: they are built once and shared with the systems evaluated beside it.
 */
public final class HybridRetriever implements Retriever {
  /** Candidates taken from each retriever per query. */
  public static final int CANDIDATES = 100;

  private final Retriever dense;
  private final Retriever lexical;
  private final double weight;
  private final Map<String, Integer> corpusOrder;

  private HybridRetriever(Retriever dense, Retriever lexical, double weight, Map<String, Integer> corpusOrder) {
    this.dense = Objects.requireNonNull(dense, "dense");
    this.lexical = Objects.requireNonNull(lexical, "lexical");
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("the dense weight must be in [0, 1], was " + weight);
    }
    this.weight = weight;
    this.corpusOrder = corpusOrder;
  }

  /** Fuses {@code dense} and {@code lexical}, both built over {@code corpus}, with {@code weight} on dense. */
  public static HybridRetriever of(Retriever dense, Retriever lexical, double weight, List<DocumentText> corpus) {
    return new HybridRetriever(dense, lexical, weight, corpusOrder(corpus));
  }

  /** Where each document stands in the corpus: the tie-break. */
  public static Map<String, Integer> corpusOrder(List<DocumentText> corpus) {
    Map<String, Integer> order = new HashMap<>(corpus.size() * 2);
    for (int i = 0; i < corpus.size(); i++) {
      order.putIfAbsent(corpus.get(i).id(), i);
    }
    return order;
  }

  public double weight() {
    return weight;
  }

  @Override
  public List<List<ScoredDocument>> search(List<String> queries, int k) {
    int depth = Math.max(k, CANDIDATES);
    List<List<ScoredDocument>> d = dense.search(queries, depth);
    List<List<ScoredDocument>> l = lexical.search(queries, depth);
    List<List<ScoredDocument>> out = new ArrayList<>(queries.size());
    for (int i = 0; i < queries.size(); i++) {
      out.add(fuse(d.get(i), l.get(i), weight, k, corpusOrder));
    }
    return out;
  }

  /** The fusion of two rankings of one query, top {@code k}. */
  public static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, double weight,
      int k, Map<String, Integer> corpusOrder) {
    Map<String, Double> fused = new LinkedHashMap<>();
    add(fused, dense, weight);
    add(fused, lexical, 1 - weight);
    List<ScoredDocument> all = new ArrayList<>(fused.size());
    fused.forEach((id, score) -> all.add(new ScoredDocument(id, (float) (double) score)));
    all.sort(Comparator.comparingDouble((ScoredDocument s) -> -s.score())
        .thenComparingInt(s -> corpusOrder.getOrDefault(s.id(), Integer.MAX_VALUE)));
    return all.size() > k ? List.copyOf(all.subList(0, k)) : all;
  }

  private static void add(Map<String, Double> fused, List<ScoredDocument> ranking, double weight) {
    if (ranking.isEmpty()) {
      return;
    }
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (ScoredDocument s : ranking) {
      max = Math.max(max, s.score());
      min = Math.min(min, s.score());
    }
    double range = max - min;
    for (ScoredDocument s : ranking) {
      double normalised = range > 0 ? (s.score() - min) / range : 1;
      fused.merge(s.id(), weight * normalised, Double::sum);
    }
  }
}
