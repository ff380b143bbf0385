package dev.dualstream.evaluator.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Re-ranks a dense index's top documents with a scorer that reads a (query, document) pair jointly, as
 * cross-encoders are evaluated: the first stage ranks the whole corpus, the scorer only its top {@code depth}.
 * A document the first stage left out cannot come back, so Recall@depth of the first stage bounds the result.
 * Ties keep the first stage's order. It does not close the index.
 */
public final class RerankingRetriever implements Retriever {
  /** How deep a re-ranker looks unless told otherwise. */
  public static final int DEFAULT_DEPTH = 100;

  /** Scores documents for one query, given their texts' ids and the first stage's embeddings of both. */
  @FunctionalInterface
  public interface PairScorer {
    double[] score(String query, float[] queryVector, List<String> documentIds, float[][] documentVectors);
  }

  private final DenseIndex first;
  private final int depth;
  private final PairScorer scorer;
  private final float[] vectors;
  private final Map<String, Integer> rows = new HashMap<>();

  public RerankingRetriever(DenseIndex first, int depth, PairScorer scorer) {
    this.first = Objects.requireNonNull(first, "first");
    this.scorer = Objects.requireNonNull(scorer, "scorer");
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be at least 1, was " + depth);
    }
    this.depth = depth;
    this.vectors = first.documentVectors();
    List<String> ids = first.documentIds();
    for (int i = 0; i < ids.size(); i++) {
      rows.put(ids.get(i), i);
    }
  }

  @Override
  public List<List<ScoredDocument>> search(List<String> queries, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, was " + k);
    }
    int dim = first.dimension();
    float[] queryVectors = first.embedQueries(queries);
    List<List<ScoredDocument>> candidates = first.searchVectors(queryVectors, Math.max(depth, k));
    List<List<ScoredDocument>> results = new ArrayList<>(queries.size());
    for (int q = 0; q < queries.size(); q++) {
      List<ScoredDocument> top = candidates.get(q).subList(0, Math.min(depth, candidates.get(q).size()));
      float[] query = new float[dim];
      System.arraycopy(queryVectors, q * dim, query, 0, dim);
      float[][] documents = new float[top.size()][dim];
      List<String> ids = new ArrayList<>(top.size());
      for (int d = 0; d < top.size(); d++) {
        System.arraycopy(vectors, rows.get(top.get(d).id()) * dim, documents[d], 0, dim);
        ids.add(top.get(d).id());
      }
      double[] scores = scorer.score(queries.get(q), query, ids, documents);
      Integer[] order = new Integer[top.size()];
      for (int d = 0; d < order.length; d++) {
        order[d] = d;
      }
      java.util.Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[b], scores[a])
          : Integer.compare(a, b));
      List<ScoredDocument> reranked = new ArrayList<>(Math.min(k, order.length));
      for (int r = 0; r < Math.min(k, order.length); r++) {
        reranked.add(new ScoredDocument(top.get(order[r]).id(), (float) scores[order[r]]));
      }
      results.add(reranked);
    }
    return results;
  }
}
