package dev.dualstream.evaluator.beir;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.trainer.model.DocumentText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a dataset directory in BEIR layout:
 *
 * <pre>
 *   corpus.jsonl[.gz]    {"_id": ..., "title": ..., "text": ...}   (title optional)
 *   queries.jsonl[.gz]   {"_id": ..., "text": ...}
 *   qrels/&lt;split&gt;.tsv    query-id TAB corpus-id TAB score        (header line optional)
 * </pre>
 *
 * Every {@code qrels/*.tsv} file is a split named after the file. Gzipped files are recognised by
 * their content, so either name works. Other JSON fields (BEIR's "metadata") are ignored.
 */
public final class BeirReader {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private BeirReader() {}

  /**
   * Reads the dataset in {@code directory}.
   *
   * @throws DatasetException naming the file (and line) when a file is missing, unreadable or malformed
   */
  public static BeirDataset read(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new DatasetException("dataset directory " + directory + " does not exist");
    }
    Path absolute = directory.toAbsolutePath().normalize();
    String name = absolute.getFileName() == null ? absolute.toString() : absolute.getFileName().toString();
    List<DocumentText> corpus = readCorpus(locate(directory, "corpus"));
    Map<String, String> queries = readQueries(locate(directory, "queries"));
    Map<String, Qrels> qrels = readQrels(directory.resolve("qrels"));
    return BeirDataset.of(name, corpus, queries, qrels);
  }

  private static Path locate(Path directory, String stem) {
    for (String candidate : List.of(stem + ".jsonl", stem + ".jsonl.gz")) {
      Path file = directory.resolve(candidate);
      if (Files.isRegularFile(file)) {
        return file;
      }
    }
    throw new DatasetException("dataset " + directory + " has no " + stem + ".jsonl or " + stem + ".jsonl.gz");
  }

  private static List<DocumentText> readCorpus(Path file) {
    List<DocumentText> corpus = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    LineSource.forEachLine(file, (line, number) -> {
      if (line.isBlank()) {
        return;
      }
      JsonNode node = parseObject(file, line, number);
      String id = requiredId(file, node, number);
      if (!seen.add(id)) {
        throw new DatasetException(LineSource.where(file, number) + ": duplicate document id \"" + id + "\"");
      }
      corpus.add(new DocumentText(id, optionalText(file, node, "title", number),
          requiredText(file, node, "text", number)));
    });
    if (corpus.isEmpty()) {
      throw new DatasetException(file + " holds no documents");
    }
    return corpus;
  }

  private static Map<String, String> readQueries(Path file) {
    Map<String, String> queries = new LinkedHashMap<>();
    LineSource.forEachLine(file, (line, number) -> {
      if (line.isBlank()) {
        return;
      }
      JsonNode node = parseObject(file, line, number);
      String id = requiredId(file, node, number);
      if (queries.put(id, requiredText(file, node, "text", number)) != null) {
        throw new DatasetException(LineSource.where(file, number) + ": duplicate query id \"" + id + "\"");
      }
    });
    return queries;
  }

  private static Map<String, Qrels> readQrels(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new DatasetException("dataset has no qrels directory " + directory);
    }
    Map<String, Qrels> splits = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new DatasetException("cannot list " + directory + ": " + e.getMessage(), e);
    }
    for (Path file : files) {
      String fileName = file.getFileName().toString();
      String split = fileName.endsWith(".tsv") ? fileName.substring(0, fileName.length() - 4)
          : fileName.endsWith(".tsv.gz") ? fileName.substring(0, fileName.length() - 7) : null;
      if (split != null && !split.isEmpty()) {
        splits.put(split, QrelsParser.parse(file));
      }
    }
    if (splits.isEmpty()) {
      throw new DatasetException("qrels directory " + directory + " has no <split>.tsv files");
    }
    return splits;
  }

  private static JsonNode parseObject(Path file, String line, long number) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new DatasetException(LineSource.where(file, number) + ": malformed JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new DatasetException(LineSource.where(file, number) + ": expected a JSON object");
    }
    return node;
  }

  private static String requiredId(Path file, JsonNode node, long number) {
    JsonNode id = node.get("_id");
    if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isEmpty()) {
      throw new DatasetException(LineSource.where(file, number) + ": missing or empty \"_id\"");
    }
    return id.asText();
  }

  private static String requiredText(Path file, JsonNode node, String field, long number) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new DatasetException(LineSource.where(file, number) + ": missing string field \"" + field + "\"");
    }
    return value.asText();
  }

  private static String optionalText(Path file, JsonNode node, String field, long number) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      throw new DatasetException(LineSource.where(file, number) + ": field \"" + field + "\" is not a string");
    }
    return value.asText();
  }
}
