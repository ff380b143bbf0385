package dev.dualstream.evaluator.simulate;

import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.search.ScoredDocument;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated search service's ranker: what it ranks a query's candidates with, and what impressions record
 * about it. Used from the simulator's thread only.
 */
public interface Ranker extends AutoCloseable {

  /** What ranked an impression: the ranker's name and, for a dense or hybrid ranker, its model version. */
  record Identity(String ranker, String model, Long version) {
    public static final Identity BM25 = new Identity("bm25", null, null);
  }

  /** The top {@code depth} documents for a query, best first. */
  List<ScoredDocument> rank(String queryId, String query, int depth);

  /** This ranker's score of one document for a query (the rescue inserts documents it did not rank). */
  float score(String queryId, String query, String docId);

  /** What impressions ranked now record. */
  Identity identity();

  /** Called before each search: a ranker that follows new models swaps one in here. */
  default void refresh() {}

  @Override
  default void close() {}

  /** BM25 alone, each query's ranking computed once. */
  static Ranker bm25(Bm25Index index) {
    record Ranked(int depth, List<ScoredDocument> top) {}
    Map<String, Ranked> rankings = new HashMap<>();
    return new Ranker() {
      @Override
      public List<ScoredDocument> rank(String queryId, String query, int depth) {
        Ranked cached = rankings.get(queryId);
        if (cached == null || cached.depth() < depth) {
          cached = new Ranked(depth, index.search(query, depth));
          rankings.put(queryId, cached);
        }
        return cached.top().size() > depth ? cached.top().subList(0, depth) : cached.top();
      }

      @Override
      public float score(String queryId, String query, String docId) {
        return index.score(query, docId);
      }

      @Override
      public Identity identity() {
        return Identity.BM25;
      }
    };
  }
}
