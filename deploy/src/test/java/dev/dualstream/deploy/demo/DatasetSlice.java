package dev.dualstream.deploy.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/** A small slice of debian-pkgdesc in BEIR layout, for tests that run the whole path in little time. */
public final class DatasetSlice {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DatasetSlice() {}

  /**
   * A BEIR directory with the documents of the first train and test judgments, in plain jsonl, and as many
   * dev judgments as test ones (the hybrid's weight is chosen on dev).
   */
  public static Path write(Path dir, int trainQueries, int testQueries) throws IOException {
    Path source = Path.of("..", "data", "debian-pkgdesc");
    Map<String, String> train = firstJudgments(source.resolve("qrels/train.tsv"), trainQueries);
    Map<String, String> test = firstJudgments(source.resolve("qrels/test.tsv"), testQueries);
    Map<String, String> dev = firstJudgments(source.resolve("qrels/dev.tsv"), testQueries);
    Set<String> docs = new LinkedHashSet<>(train.values());
    docs.addAll(test.values());
    docs.addAll(dev.values());
    Set<String> queries = new LinkedHashSet<>(train.keySet());
    queries.addAll(test.keySet());
    queries.addAll(dev.keySet());
    Files.createDirectories(dir.resolve("qrels"));
    copyLines(source.resolve("corpus.jsonl.gz"), dir.resolve("corpus.jsonl"), docs);
    copyLines(source.resolve("queries.jsonl.gz"), dir.resolve("queries.jsonl"), queries);
    writeQrels(dir.resolve("qrels/train.tsv"), train);
    writeQrels(dir.resolve("qrels/test.tsv"), test);
    writeQrels(dir.resolve("qrels/dev.tsv"), dev);
    return dir;
  }

  private static Map<String, String> firstJudgments(Path qrels, int n) throws IOException {
    Map<String, String> judgments = new LinkedHashMap<>();
    for (String line : Files.readAllLines(qrels)) {
      String[] f = line.split("\t");
      if (f.length >= 3 && !f[0].equals("query-id") && judgments.size() < n) {
        judgments.put(f[0], f[1]);
      }
    }
    return judgments;
  }

  private static void copyLines(Path gz, Path out, Set<String> ids) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
            new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8));
        Writer w = Files.newBufferedWriter(out)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (ids.contains(JSON.readTree(line).get("_id").asText())) {
          w.write(line);
          w.write('\n');
        }
      }
    }
  }

  private static void writeQrels(Path file, Map<String, String> judgments) throws IOException {
    StringBuilder sb = new StringBuilder("query-id\tcorpus-id\tscore\n");
    judgments.forEach((q, d) -> sb.append(q).append('\t').append(d).append("\t1\n"));
    Files.writeString(file, sb.toString());
  }
}
