package dev.dualstream.evaluator.beir;

import dev.dualstream.trainer.model.DocumentText;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A retrieval benchmark in memory: the corpus in file order (a stable order that search results and
 * simulations depend on), the queries by id, and the qrels of each split. Immutable.
 */
public final class BeirDataset {
  private final String name;
  private final List<DocumentText> corpus;
  private final Map<String, String> queries;
  private final Map<String, Qrels> qrels;
  private final Map<String, DocumentText> byId;

  private BeirDataset(String name, List<DocumentText> corpus, Map<String, String> queries, Map<String, Qrels> qrels) {
    this.name = Objects.requireNonNull(name, "name");
    this.corpus = List.copyOf(corpus);
    this.queries = Collections.unmodifiableMap(new LinkedHashMap<>(queries));
    this.qrels = Collections.unmodifiableMap(new TreeMap<>(qrels));
    Map<String, DocumentText> index = new HashMap<>(this.corpus.size() * 2);
    for (DocumentText doc : this.corpus) {
      if (index.put(doc.id(), doc) != null) {
        throw new IllegalArgumentException("duplicate document id " + doc.id());
      }
    }
    this.byId = Collections.unmodifiableMap(index);
  }

  /**
   * A dataset from values already in memory (tests, generated data).
   *
   * @throws IllegalArgumentException if two documents share an id
   */
  public static BeirDataset of(String name, List<DocumentText> corpus, Map<String, String> queries,
      Map<String, Qrels> qrels) {
    return new BeirDataset(name, corpus, queries, qrels);
  }

  /** The dataset's name: its directory name when read from disk. */
  public String name() {
    return name;
  }

  /** All documents, in corpus file order. */
  public List<DocumentText> corpus() {
    return corpus;
  }

  /** Query text by query id, in queries file order. */
  public Map<String, String> queries() {
    return queries;
  }

  /** Split names that have qrels (e.g. dev, test, train), sorted. */
  public Set<String> splits() {
    return qrels.keySet();
  }

  /**
   * The qrels of a split.
   *
   * @throws IllegalArgumentException naming the available splits when there is no such split
   */
  public Qrels qrels(String split) {
    Qrels found = qrels.get(split);
    if (found == null) {
      throw new IllegalArgumentException(
          "dataset " + name + " has no split '" + split + "' (available: " + String.join(", ", qrels.keySet()) + ")");
    }
    return found;
  }

  /** A document by id. */
  public Optional<DocumentText> document(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public String toString() {
    return "BeirDataset[" + name + ": " + corpus.size() + " documents, " + queries.size() + " queries, splits "
        + qrels.keySet() + "]";
  }
}
