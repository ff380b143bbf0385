package dev.dualstream.evaluator.trec;

import dev.dualstream.evaluator.beir.DatasetException;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.metrics.MetricAccumulator;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.search.ScoredDocument;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rankings in TREC run format, one line per retrieved document: {@code query-id Q0 doc-id rank score run-name},
 * whitespace separated, as trec_eval reads them.
 *
 * <p>Reading follows trec_eval: the rank column is ignored; each query's documents are ordered by score,
 * highest first, ties by document id in descending byte order. Writing keeps a ranking's own order under that
 * rule: where two documents in a row tie, the later one's score is written one float step lower, so any
 * trec_eval-compatible tool ranks them as we did (the written scores differ from the true ones by at most a few
 * units in the last place).
 *
 * <p>{@link #score} uses the definitions of {@link MetricAccumulator}: Recall@k over the relevant documents,
 * MRR@10, nDCG@10 with graded gains, averaged as trec_eval does by default: over the queries that the run ranks
 * and the qrels judge with a relevant document (a query the run lacks is left out, as without {@code -c}).
 */
public final class TrecRun {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private TrecRun() {}

  /**
   * Writes rankings, best first, for each query in the map's order.
   *
   * @throws IllegalArgumentException if the run name or an id holds whitespace
   */
  public static void write(Path file, String runName, Map<String, List<ScoredDocument>> rankings) {
    checkToken("run name", runName);
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, List<ScoredDocument>> e : rankings.entrySet()) {
        checkToken("query id", e.getKey());
        float previous = Float.POSITIVE_INFINITY;
        String previousId = null;
        int rank = 0;
        for (ScoredDocument d : e.getValue()) {
          checkToken("document id", d.id());
          float score = d.score();
          // trec_eval orders ties by descending id: step below the previous score wherever it would reorder.
          if (score > previous || (score == previous && d.id().compareTo(previousId) > 0)) {
            score = Math.nextDown(previous);
          }
          rank++;
          out.write(e.getKey() + " Q0 " + d.id() + " " + rank + " " + score + " " + runName + "\n");
          previous = score;
          previousId = d.id();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a run file: per query (in order of first appearance), its documents as trec_eval ranks them.
   *
   * @throws DatasetException naming the file and line, for a malformed line or a document listed twice for a query
   */
  public static Map<String, List<String>> read(Path file) {
    Map<String, List<ScoredDocument>> byQuery = new LinkedHashMap<>();
    Map<String, Set<String>> seen = new LinkedHashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = WHITESPACE.split(line.strip());
        if (f.length != 6) {
          throw new DatasetException(file + ":" + number + ": expected 6 fields (query-id Q0 doc-id rank score run),"
              + " found " + f.length);
        }
        float score;
        try {
          score = Float.parseFloat(f[4]);
        } catch (NumberFormatException e) {
          throw new DatasetException(file + ":" + number + ": score \"" + f[4] + "\" is not a number");
        }
        if (!seen.computeIfAbsent(f[0], q -> new HashSet<>()).add(f[2])) {
          throw new DatasetException(file + ":" + number + ": document " + f[2] + " is listed twice for query " + f[0]);
        }
        byQuery.computeIfAbsent(f[0], q -> new ArrayList<>()).add(new ScoredDocument(f[2], score));
      }
    } catch (IOException e) {
      throw new DatasetException("cannot read the run file " + file + ": " + e.getMessage());
    }
    Comparator<ScoredDocument> trecEval = Comparator.comparingDouble((ScoredDocument d) -> d.score()).reversed()
        .thenComparing(ScoredDocument::id, Comparator.reverseOrder());
    Map<String, List<String>> rankings = new LinkedHashMap<>();
    byQuery.forEach((q, docs) -> rankings.put(q, docs.stream().sorted(trecEval).map(ScoredDocument::id).toList()));
    return rankings;
  }

  /** Scores a run against qrels; see the class comment for the definitions. */
  public static MetricSummary score(Map<String, List<String>> run, Qrels qrels) {
    MetricAccumulator accumulator = new MetricAccumulator();
    for (String query : qrels.queriesWithRelevant()) {
      if (run.containsKey(query)) {
        accumulator.add(run.get(query), qrels.judgments(query));
      }
    }
    return accumulator.summary();
  }

  private static void checkToken(String what, String value) {
    if (value.isEmpty() || WHITESPACE.matcher(value).find()) {
      throw new IllegalArgumentException("a TREC run's " + what + " must be one non-empty token, got '" + value + "'");
    }
  }
}
