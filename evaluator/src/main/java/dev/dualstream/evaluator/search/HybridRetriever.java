package dev.dualstream.evaluator.search;

import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Linear fusion of a dense and a lexical retriever. Each ranks its top {@value #SCORE_DEPTH} for a query; the
 * candidates are the union of each list's top {@value #CANDIDATES}, and each candidate takes its score from each
 * list. A candidate missing from a list scores that list's lowest when the list was cut at the depth asked for
 * (it ranks below it there), and 0 when the list was not cut (the retriever matched it not at all: a lexical
 * retriever's score for a document sharing no term with the query). Scoring the candidates from lists ten
 * times deeper than the candidates, rather than flooring every miss, lets a document ranked 150th by one
 * retriever count for what it scored there. Each side's scores are then normalised over the candidates
 * ({@link Normalization}: min-max to [0, 1], or z-scores), and a candidate's fused score is {@code weight *
 * dense + (1 - weight) * lexical}. Ties go to the earlier document of the corpus, as every retriever here
 * breaks them. The normalisation and the weight are chosen on a split other than the one reported
 * ({@code HybridTuning}).
 *
 * <p>It closes neither retriever: they are built once and shared with the systems evaluated beside it.
 */
public final class HybridRetriever implements Retriever {
  /** Candidates taken from each retriever per query. */
  public static final int CANDIDATES = 100;
  /** How deep each retriever's list goes for the candidates' scores. */
  public static final int SCORE_DEPTH = 1000;

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
    int candidates = Math.max(k, CANDIDATES);
    int depth = Math.max(candidates, SCORE_DEPTH);
    List<List<ScoredDocument>> d = dense.search(queries, depth);
    List<List<ScoredDocument>> l = lexical.search(queries, depth);
    List<List<ScoredDocument>> out = new ArrayList<>(queries.size());
    for (int i = 0; i < queries.size(); i++) {
      out.add(fuse(d.get(i), l.get(i), fusion, k, corpusOrder, candidates, depth));
    }
    return out;
  }

  /**
   * The min-max fusion of two rankings of one query, top {@code k}, each ranking asked for {@value
   * #SCORE_DEPTH} documents.
   */
  public static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, double weight,
      int k, Map<String, Integer> corpusOrder) {
    return fuse(dense, lexical, new Fusion(Normalization.MIN_MAX, weight), k, corpusOrder);
  }

  /** The fusion of two rankings of one query, top {@code k}, each ranking asked for {@value #SCORE_DEPTH} documents. */
  public static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, Fusion fusion,
      int k, Map<String, Integer> corpusOrder) {
    return fuse(dense, lexical, fusion, k, corpusOrder, Math.max(k, CANDIDATES), Math.max(k, SCORE_DEPTH));
  }

  /**
   * The fusion of two rankings of one query, each asked for {@code depth} documents, over the union of
   * their top {@code candidates}; the top {@code k} of it.
   */
  static List<ScoredDocument> fuse(List<ScoredDocument> dense, List<ScoredDocument> lexical, Fusion fusion, int k,
      Map<String, Integer> corpusOrder, int candidates, int depth) {
    return Candidates.of(dense, lexical, candidates, depth).fuse(fusion, k, corpusOrder);
  }

  /**
   * One query's candidates with their scores from each list, before any normalisation: built once, fused
   * under as many {@link Fusion}s as one likes ({@code HybridTuning} tries dozens).
   */
  public static final class Candidates {
    private final String[] ids;
    private final double[] dense;
    private final double[] lexical;
    private final Map<Normalization, double[][]> normalised = new EnumMap<>(Normalization.class);

    private Candidates(String[] ids, double[] dense, double[] lexical) {
      this.ids = ids;
      this.dense = dense;
      this.lexical = lexical;
    }

    /** The candidates of two rankings asked for {@value #SCORE_DEPTH} documents each (see the class). */
    public static Candidates of(List<ScoredDocument> dense, List<ScoredDocument> lexical) {
      return of(dense, lexical, CANDIDATES, SCORE_DEPTH);
    }

    static Candidates of(List<ScoredDocument> dense, List<ScoredDocument> lexical, int candidates, int depth) {
      Set<String> union = new LinkedHashSet<>();
      for (List<ScoredDocument> list : List.of(dense, lexical)) {
        for (int i = 0; i < list.size() && i < candidates; i++) {
          union.add(list.get(i).id());
        }
      }
      String[] ids = union.toArray(String[]::new);
      return new Candidates(ids, scoresOf(ids, dense, depth), scoresOf(ids, lexical, depth));
    }

    /** The top {@code k} candidates under {@code fusion}; ties in corpus order. */
    public List<ScoredDocument> fuse(Fusion fusion, int k, Map<String, Integer> corpusOrder) {
      double[][] sides = normalised.computeIfAbsent(fusion.normalization(),
          n -> new double[][] {normalise(dense, n), normalise(lexical, n)});
      List<ScoredDocument> all = new ArrayList<>(ids.length);
      for (int i = 0; i < ids.length; i++) {
        all.add(new ScoredDocument(ids[i],
            (float) (fusion.weight() * sides[0][i] + (1 - fusion.weight()) * sides[1][i])));
      }
      all.sort(Comparator.comparingDouble((ScoredDocument s) -> -s.score())
          .thenComparingInt(s -> corpusOrder.getOrDefault(s.id(), Integer.MAX_VALUE)));
      return all.size() > k ? List.copyOf(all.subList(0, k)) : all;
    }
  }

  /** Each document's score in {@code ranking}, or what a document missing from it scores (see the class). */
  private static double[] scoresOf(String[] ids, List<ScoredDocument> ranking, int depth) {
    Map<String, Float> scores = new HashMap<>(ranking.size() * 2);
    for (ScoredDocument s : ranking) {
      scores.putIfAbsent(s.id(), s.score());
    }
    double missing = ranking.size() >= depth ? ranking.get(ranking.size() - 1).score() : 0;
    double[] out = new double[ids.length];
    for (int i = 0; i < ids.length; i++) {
      Float score = scores.get(ids[i]);
      out[i] = score == null ? missing : score;
    }
    return out;
  }

  private static double[] normalise(double[] scores, Normalization normalization) {
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    double sum = 0;
    for (double s : scores) {
      max = Math.max(max, s);
      min = Math.min(min, s);
      sum += s;
    }
    double mean = sum / scores.length;
    double squares = 0;
    for (double s : scores) {
      squares += (s - mean) * (s - mean);
    }
    double std = Math.sqrt(squares / scores.length);
    double range = max - min;
    double[] out = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      out[i] = normalization == Normalization.MIN_MAX
          ? (range > 0 ? (scores[i] - min) / range : 1)
          : (std > 0 ? (scores[i] - mean) / std : 0);
    }
    return out;
  }
}
