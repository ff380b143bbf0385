package dev.dualstream.evaluator.search;

import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Linear fusion of a dense and a lexical retriever: each ranks its top {@value #CANDIDATES} for a query, the
 * scores of each list are normalised over that list ({@link Normalization}: min-max to [0, 1], or z-scores),
 * a document missing from a list scores 0 there after min-max, the list's lowest z-score after z-scores, and
 * a document's fused
 * score is {@code weight * dense + (1 - weight) * lexical}. Ties go to the earlier document of the corpus, as
 * every retriever here breaks them. The normalisation and the weight are chosen on a split other than the
 * one reported ({@code HybridTuning}).
 *
 * <p>It closes neither retriever: they are built once and shared with the systems evaluated beside it.
 */
public final class HybridRetriever implements Retriever {
  /** Candidates taken from each retriever per query. */
  public static final int CANDIDATES = 100;

  /** How one list's scores are put on a common scale before they are added. */
  public enum Normalization {
    /** (s - min) / (max - min): the list's best scores 1, its worst 0; a list of equal scores all 1. */
    MIN_MAX,
    /** (s - mean) / standard deviation over the list; a list of equal scores all 0. */
    Z_SCORE
  }

  /** How two lists are fused: the normalisation and the dense weight, in [0, 1]. */
  public record Fusion(Normalization normalization, double weight) {
    public Fusion {
      Objects.requireNonNull(normalization, "normalization");
      if (!(weight >= 0 && weight <= 1)) {
        throw new IllegalArgumentException("the dense weight must be in [0, 1], was " + weight);
      }
    }

    /** For the console: "min-max, dense weight 0.25". */
    public String describe() {
      return String.format(Locale.ROOT, "%s, dense weight %.2f",
          normalization == Normalization.MIN_MAX ? "min-max" : "z-score", weight);
    }
  }

  private final Retriever dense;
  private final Retriever lexical;
  private final Fusion fusion;
  private final Map<String, Integer> corpusOrder;

  private HybridRetriever(Retriever dense, Retriever lexical, Fusion fusion, Map<String, Integer> corpusOrder) {
    this.dense = Objects.requireNonNull(dense, "dense");
    this.lexical = Objects.requireNonNull(lexical, "lexical");
    this.fusion = Objects.requireNonNull(fusion, "fusion");
    this.corpusOrder = corpusOrder;
  }

  /** Fuses {@code dense} and {@code lexical}, both built over {@code corpus}, min-max, with {@code weight} on dense. */
  public static HybridRetriever of(Retriever dense, Retriever lexical, double weight, List<DocumentText> corpus) {
    return of(dense, lexical, new Fusion(Normalization.MIN_MAX, weight), corpus);
  }

  /** Fuses {@code dense} and {@code lexical}, both built over {@code corpus}, as {@code fusion} says. */
  public static HybridRetriever of(Retriever dense, Retriever lexical, Fusion fusion, List<DocumentText> corpus) {
    return new HybridRetriever(dense, lexical, fusion, corpusOrder(corpus));
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
    return fusion.weight();
  }

  public Fusion fusion() {
    return fusion;
  }

  @Override
  public List<List<ScoredDocument>> search(List<String> queries, int k) {
    int depth = Math.max(k, CANDIDATES);
    List<List<ScoredDocument>> d = dense.search(queries, depth);
    List<List<ScoredDocument>> l = lexical.search(queries, depth);
    List<List<ScoredDocument>> out = new ArrayList<>(queries.size());
    for (int i = 0; i < queries.size(); i++) {
      out.add(fuse(d.get(i), l.get(i), fusion, k, corpusOrder));
    }
    return out;
  }

  /** The min-max fusion of two rankings of one query, top {@code k}. */
  public static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, double weight,
      int k, Map<String, Integer> corpusOrder) {
    return fuse(dense, lexical, new Fusion(Normalization.MIN_MAX, weight), k, corpusOrder);
  }

  /** The fusion of two rankings of one query, top {@code k}. */
  public static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, Fusion fusion,
      int k, Map<String, Integer> corpusOrder) {
    Map<String, Double> d = normalised(dense, fusion.normalization());
    Map<String, Double> l = normalised(lexical, fusion.normalization());
    double dFloor = floor(d, fusion.normalization());
    double lFloor = floor(l, fusion.normalization());
    Map<String, Double> fused = new LinkedHashMap<>();
    for (Map<String, Double> list : List.of(d, l)) {
      for (String id : list.keySet()) {
        fused.computeIfAbsent(id, x -> fusion.weight() * d.getOrDefault(x, dFloor)
            + (1 - fusion.weight()) * l.getOrDefault(x, lFloor));
      }
    }
    List<ScoredDocument> all = new ArrayList<>(fused.size());
    fused.forEach((id, score) -> all.add(new ScoredDocument(id, (float) (double) score)));
    all.sort(Comparator.comparingDouble((ScoredDocument s) -> -s.score())
        .thenComparingInt(s -> corpusOrder.getOrDefault(s.id(), Integer.MAX_VALUE)));
    return all.size() > k ? List.copyOf(all.subList(0, k)) : all;
  }

  /** What a document missing from a list scores there: 0 after min-max, else the list's lowest (0 if empty). */
  private static double floor(Map<String, Double> list, Normalization normalization) {
    if (normalization == Normalization.MIN_MAX) {
      return 0;
    }
    double min = Double.POSITIVE_INFINITY;
    for (double v : list.values()) {
      min = Math.min(min, v);
    }
    return list.isEmpty() ? 0 : min;
  }

  private static Map<String, Double> normalised(List<ScoredDocument> ranking, Normalization normalization) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (ranking.isEmpty()) {
      return out;
    }
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    double sum = 0;
    for (ScoredDocument s : ranking) {
      max = Math.max(max, s.score());
      min = Math.min(min, s.score());
      sum += s.score();
    }
    double mean = sum / ranking.size();
    double squares = 0;
    for (ScoredDocument s : ranking) {
      squares += (s.score() - mean) * (s.score() - mean);
    }
    double std = Math.sqrt(squares / ranking.size());
    double range = max - min;
    for (ScoredDocument s : ranking) {
      double v = normalization == Normalization.MIN_MAX
          ? (range > 0 ? (s.score() - min) / range : 1)
          : (std > 0 ? (s.score() - mean) / std : 0);
      out.putIfAbsent(s.id(), v);
    }
    return out;
  }
}
