package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end on a slice of debian-pkgdesc: a real broker process, the simulator, ingest, the
 * Flink trainer and the evaluator. Checks the report's shape, that training helped, and that nothing
 * the demo started is left running.
 */
class DemoIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(480)
  void runsThePipelineEndToEndAndStopsWhatItStarted(@TempDir Path tmp) throws Exception {
    Path dataset = slice(tmp.resolve("debian-slice"), 1_500, 200);
    Path report = tmp.resolve("report.json");
    int port = freePortPair();
    ModelConfig model = ModelConfig.defaults().toBuilder().buckets(1 << 16).batchSize(64).build();
    List<String> progress = new ArrayList<>();

    Report result = Demo.run(new DemoOptions(dataset, tmp.resolve("work"), port, 6_000, 7, 0, model,
        Optional.of(report)), line -> {
          progress.add(line);
          System.out.println(line);
        });

    assertEquals(List.of("trained", "untrained", "bm25"), result.results().stream().map(SystemResult::system).toList());
    double trained = result.result("trained").orElseThrow().metrics().recallAt10();
    double untrained = result.result("untrained").orElseThrow().metrics().recallAt10();
    assertTrue(trained > 1.5 * untrained, "training helped: trained R@10 " + trained + " vs untrained " + untrained);

    JsonNode json = JSON.readTree(report.toFile());
    assertEquals("test", json.get("split").asText());
    assertEquals("debian-slice", json.get("dataset").asText());
    for (JsonNode system : json.get("results")) {
      for (String metric : List.of("recall@1", "recall@10", "recall@100", "mrr@10", "ndcg@10")) {
        double v = system.get(metric).asDouble(-1);
        assertTrue(v >= 0 && v <= 1, system.get("system") + " " + metric + " = " + v);
      }
    }
    assertTrue(progress.stream().anyMatch(l -> l.contains("simulate:") && l.contains("events produced")), "progress");
    assertTrue(progress.stream().anyMatch(l -> l.contains("train: step")), "training progress");

    assertTrue(portIsFree(port) && portIsFree(port + 1), "the broker's ports are free again");
    assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "no child process left");
  }

  /** A BEIR directory with the documents of the first train and test judgments, in plain jsonl. */
  private static Path slice(Path dir, int trainQueries, int testQueries) throws IOException {
    Path source = Path.of("..", "data", "debian-pkgdesc");
    Map<String, String> train = firstJudgments(source.resolve("qrels/train.tsv"), trainQueries);
    Map<String, String> test = firstJudgments(source.resolve("qrels/test.tsv"), testQueries);
    Set<String> docs = new LinkedHashSet<>(train.values());
    docs.addAll(test.values());
    Set<String> queries = new LinkedHashSet<>(train.keySet());
    queries.addAll(test.keySet());
    Files.createDirectories(dir.resolve("qrels"));
    copyLines(source.resolve("corpus.jsonl.gz"), dir.resolve("corpus.jsonl"), docs);
    copyLines(source.resolve("queries.jsonl.gz"), dir.resolve("queries.jsonl"), queries);
    writeQrels(dir.resolve("qrels/train.tsv"), train);
    writeQrels(dir.resolve("qrels/test.tsv"), test);
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

  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      if (port < 65534 && portIsFree(port + 1)) {
        return port;
      }
    }
    throw new IllegalStateException("no two adjacent free ports");
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
