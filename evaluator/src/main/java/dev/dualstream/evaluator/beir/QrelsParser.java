package dev.dualstream.evaluator.beir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses one qrels file: {@code query-id TAB corpus-id TAB score}, an optional header on the first
 * line (recognised by a score that is not a number). Whitespace-separated lines and TREC's four
 * columns ({@code query-id iteration corpus-id score}) are accepted too. A repeated pair keeps the
 * last score.
 */
final class QrelsParser {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private QrelsParser() {}

  static Qrels parse(Path file) {
    Map<String, Map<String, Integer>> judgments = new LinkedHashMap<>();
    LineSource.forEachLine(file, (line, number) -> {
      if (line.isBlank()) {
        return;
      }
      String[] fields = line.split("\t", -1);
      if (fields.length != 3) {
        fields = WHITESPACE.split(line.strip());
      }
      String query;
      String doc;
      String score;
      if (fields.length == 3) {
        query = fields[0].strip();
        doc = fields[1].strip();
        score = fields[2].strip();
      } else if (fields.length == 4) {
        query = fields[0];
        doc = fields[2];
        score = fields[3];
      } else {
        throw new DatasetException(LineSource.where(file, number)
            + ": expected query-id, corpus-id and score separated by tabs, found " + fields.length + " fields");
      }
      int value;
      try {
        value = Integer.parseInt(score);
      } catch (NumberFormatException e) {
        if (number == 1) {
          return;
        }
        throw new DatasetException(LineSource.where(file, number) + ": score \"" + score + "\" is not an integer");
      }
      if (query.isEmpty() || doc.isEmpty()) {
        throw new DatasetException(LineSource.where(file, number) + ": empty query-id or corpus-id");
      }
      judgments.computeIfAbsent(query, q -> new LinkedHashMap<>()).put(doc, value);
    });
    return Qrels.of(judgments);
  }
}
