package dev.dualstream.evaluator.beir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Relevance judgments of one split: for each query id, the judged document ids with their graded
 * score. A score above zero means relevant; zero or below is a judged non-relevant document. Queries
 * and documents keep the order of the qrels file.
 */
public final class Qrels {
  private final Map<String, Map<String, Integer>> judgments;

  private Qrels(Map<String, Map<String, Integer>> judgments) {
    this.judgments = judgments;
  }

  /** Copies the given judgments (query id to document id to score), keeping their iteration order. */
  public static Qrels of(Map<String, ? extends Map<String, Integer>> judgments) {
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    judgments.forEach((query, docs) -> {
      Objects.requireNonNull(query, "query id");
      copy.put(query, Collections.unmodifiableMap(new LinkedHashMap<>(docs)));
    });
    return new Qrels(Collections.unmodifiableMap(copy));
  }

  /**
   * Reads a qrels file: BEIR's {@code query-id TAB corpus-id TAB score} (a header line allowed) or TREC's four
   * columns.
   *
   * @throws DatasetException naming the file and line of what cannot be read
   */
  public static Qrels read(java.nio.file.Path file) {
    return QrelsParser.parse(file);
  }

  /** Judged query ids, in file order. */
  public Set<String> queryIds() {
    return judgments.keySet();
  }

  /** Judged documents of a query with their scores; empty when the query is not judged. */
  public Map<String, Integer> judgments(String queryId) {
    return judgments.getOrDefault(queryId, Map.of());
  }

  /** Number of documents with a score above zero for the query. */
  public int relevantCount(String queryId) {
    int count = 0;
    for (int score : judgments(queryId).values()) {
      if (score > 0) {
        count++;
      }
    }
    return count;
  }

  /** Whether the document is judged relevant (score above zero) for the query. */
  public boolean isRelevant(String queryId, String docId) {
    Integer score = judgments(queryId).get(docId);
    return score != null && score > 0;
  }

  /** Relevant document ids of a query (score above zero), in file order. */
  public List<String> relevant(String queryId) {
    List<String> relevant = new ArrayList<>();
    judgments(queryId).forEach((doc, score) -> {
      if (score > 0) {
        relevant.add(doc);
      }
    });
    return relevant;
  }

  /** Query ids with at least one relevant document, in file order: the queries a split is scored on. */
  public List<String> queriesWithRelevant() {
    List<String> queries = new ArrayList<>();
    for (String query : judgments.keySet()) {
      if (relevantCount(query) > 0) {
        queries.add(query);
      }
    }
    return queries;
  }

  /** Number of judged queries. */
  public int size() {
    return judgments.size();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Qrels that && judgments.equals(that.judgments);
  }

  @Override
  public int hashCode() {
    return judgments.hashCode();
  }

  @Override
  public String toString() {
    return "Qrels[" + judgments.size() + " queries]";
  }
}
