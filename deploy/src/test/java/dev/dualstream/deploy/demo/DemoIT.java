package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.evaluator.offline.Report;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    Path dataset = DatasetSlice.write(tmp.resolve("debian-slice"), 1_500, 200);
    Path report = tmp.resolve("report.json");
    int port = FreePorts.pair();
    ModelConfig model = ModelConfig.defaults().toBuilder().buckets(1 << 16).batchSize(64).build();
    List<String> progress = new ArrayList<>();

    Path recording = tmp.resolve("recording");
    Report result = Demo.run(new DemoOptions(dataset, tmp.resolve("work"), port, 6_000, 7, 0, model,
        Optional.of(report), 0, 0, Optional.of(recording), Optional.of(tmp.resolve("report"))), line -> {
          progress.add(line);
          System.out.println(line);
        });

    assertEquals(List.of("dense", "untrained", "hybrid", "bm25"),
        result.results().stream().map(SystemResult::system).toList());
    double trained = result.result("dense").orElseThrow().metrics().recallAt10();
    double untrained = result.result("untrained").orElseThrow().metrics().recallAt10();
    assertTrue(trained > 1.5 * untrained, "training helped: trained R@10 " + trained + " vs untrained " + untrained);
    assertTrue(progress.stream().anyMatch(l -> l.matches(".*hybrid: (min-max|z-score), dense weight [0-9.]+, chosen on"
        + " the dev split.*")), "the hybrid's normalisation and weight are chosen on dev, never on test");

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

    // --report: the page, its summary, the JSON as --report-json has it, and run files that score to the results.
    Path page = tmp.resolve("report");
    assertTrue(java.nio.file.Files.readString(page.resolve("index.html")).contains("Recall@10 on the test split"));
    assertTrue(java.nio.file.Files.readString(page.resolve("summary.md")).contains("| dense |"));
    assertEquals(JSON.readTree(report.toFile()).get("results"), JSON.readTree(page.resolve("report.json").toFile())
        .get("results"));
    // Its curves: every version the trainer announced, per system, at growing examples and event times.
    java.util.Map<String, List<JsonNode>> curves = new java.util.LinkedHashMap<>();
    JSON.readTree(page.resolve("report.json").toFile()).get("curves")
        .forEach(p -> curves.computeIfAbsent(p.get("system").asText(), k -> new ArrayList<>()).add(p));
    assertEquals(List.of("dense", "hybrid", "bm25"), List.copyOf(curves.keySet()));
    List<JsonNode> dense = curves.get("dense");
    assertTrue(dense.size() >= 5, "about ten versions: " + dense.size());
    for (int i = 1; i < dense.size(); i++) {
      assertTrue(dense.get(i).get("examples").asLong() > dense.get(i - 1).get("examples").asLong(), dense.toString());
      assertTrue(java.time.Instant.parse(dense.get(i).get("event_time").asText()).compareTo(
          java.time.Instant.parse(dense.get(i - 1).get("event_time").asText())) >= 0, dense.toString());
    }
    assertTrue(java.nio.file.Files.readString(page.resolve("index.html")).contains("over event time"));
    for (SystemResult system : result.results()) {
      assertEquals(system.metrics(), dev.dualstream.evaluator.trec.TrecRun.score(dev.dualstream.evaluator.trec.TrecRun
          .read(page.resolve("runs").resolve(system.system() + ".run")),
          dev.dualstream.evaluator.beir.BeirReader.read(dataset).qrels("test")), system.system());
    }

    // --record: the recording holds exactly the simulator's events, read by Avro's own generic reader.
    String line = progress.stream().filter(l -> l.contains("] record: ")).findFirst().orElseThrow();
    java.util.regex.Matcher counts = java.util.regex.Pattern.compile(
        "\\[ *[0-9.]+s\\] record: ([0-9,]+) events recorded into .* \\(the simulator produced ([0-9,]+)\\)").matcher(line);
    assertTrue(counts.matches(), line);
    assertEquals(counts.group(2), counts.group(1), line);
    long recorded = 0;
    for (Path file : dev.dualstream.evaluator.record.Recorder.finished(recording)) {
      try (org.apache.avro.file.DataFileReader<Object> reader = new org.apache.avro.file.DataFileReader<>(
          file.toFile(), new org.apache.avro.generic.GenericDatumReader<>())) {
        for (Object r : reader) {
          recorded++;
        }
      }
    }
    assertEquals(Long.parseLong(counts.group(1).replace(",", "")), recorded);

    assertTrue(FreePorts.isFree(port) && FreePorts.isFree(port + 1), "the broker's ports are free again");
    assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "no child process left");
  }
}
