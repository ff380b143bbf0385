package dev.dualstream.evaluator.offline;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of an offline evaluation: every system scored on the same queries of one split.
 *
 * @param queries number of queries scored (those with a relevant document and a text, after any limit)
 * @param skippedQueries judged queries left out because the dataset has no text for them
 * @param corpusSize number of documents every query was ranked against
 */
public record Report(String dataset, String split, int queries, int skippedQueries, int corpusSize,
    List<SystemResult> results) {

  public Report {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(split, "split");
    results = List.copyOf(results);
  }

  /** The result of the system registered under {@code name}. */
  public Optional<SystemResult> result(String name) {
    return results.stream().filter(r -> r.system().equals(name)).findFirst();
  }
}
