package dev.dualstream.evaluator.search;

import java.util.List;

/**
 * Ranks a whole corpus for queries. Implementations are built over one corpus and answer with that
 * corpus's document ids, best first, ties broken by corpus order so results are reproducible.
 */
public interface Retriever extends AutoCloseable {

  /** The top {@code k} documents for each query, in the order of {@code queries}. */
  List<List<ScoredDocument>> search(List<String> queries, int k);

  /** The top {@code k} documents for one query. */
  default List<ScoredDocument> search(String query, int k) {
    return search(List.of(query), k).get(0);
  }

  /** Frees what the retriever holds; it is unusable afterwards. */
  @Override
  default void close() {}
}
