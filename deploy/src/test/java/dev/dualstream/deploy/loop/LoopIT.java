package dev.dualstream.deploy.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.cli.DualstreamCli;
import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.deploy.metrics.Promtool;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} on a small slice of debian-pkgdesc: every component in its own process, the trainer killed with
 * SIGKILL once it has checkpointed, started again from its newest checkpoint, and the loop goes on: more
 * versions are scored after the crash, at the end the trainer has applied every example ingested (less at
 * most one partial batch) and none twice, and nothing is left running. The trainer has a distilled student,
 * which the search serves: it comes back from the checkpoint with the model, and its versions are scored too.
 * The simulated users have topics of their own, as {@code up --user-interests} gives them.
 */
class LoopIT {

  @Test
  void theTrainerComesBackFromItsCheckpointAfterKillDashNine(@TempDir Path dir) throws Exception {
    Path slice = DatasetSlice.write(dir.resolve("slice"), 300, 20);
    List<String> console = new CopyOnWriteArrayList<>();
    LoopOptions options = new LoopOptions(slice, dir.resolve("work"), FreePorts.pair(), Duration.ofSeconds(150), 25, 5,
        5, Duration.ofSeconds(10), 20, Optional.empty(), List.of("small:loss=RANK_DISTIL,top-k=4"), "small",
        "clusters=3,alpha=0.5,heldout=0");
    Loop loop = new Loop(options, DualstreamCli.class.getName(), line -> {
      console.add(line);
      System.out.println(line);
    });
    CompletableFuture<LoopReport> run = CompletableFuture.supplyAsync(() -> {
      try {
        return loop.run();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });

    try {
      Path checkpoints = dir.resolve("work/checkpoints");
      long deadline = System.nanoTime() + Duration.ofSeconds(100).toNanos();
      while (!hasCompletedCheckpoint(checkpoints) || console.stream().noneMatch(l -> l.contains("Recall@10 / MRR@10"))) {
        assertTrue(System.nanoTime() < deadline, "a checkpoint and a scored version within 100 s:\n" + String.join("\n", console));
        assertTrue(!run.isDone(), "the loop ended early: " + String.join("\n", console));
        Thread.sleep(500);
      }
      assertEndpointsServe();
      assertTrue(loop.kill("train"), "the trainer was running");
      int killedAt = console.size();

      LoopReport report = run.get(4, TimeUnit.MINUTES);
      List<String> after = console.subList(killedAt, console.size());
      assertTrue(after.stream().anyMatch(l -> l.contains("train exited with status 137; starting it again from its newest"
          + " checkpoint")), String.join("\n", after));
      assertTrue(after.stream().anyMatch(l -> l.contains("train: restoring from")), String.join("\n", after));
      assertEquals(report.versionsPublished(), report.versions().size(),
          "the run ends once every committed version is scored");
      List<Long> versions = versionsOf(report, ModelConfig.DEFAULT_MODEL_NAME);
      assertTrue(versions.size() >= 2, "versions scored: " + versions);
      assertEquals(versions.stream().distinct().sorted().toList(), versions, "each version scored once, in order");
      assertEquals(versions, versionsOf(report, "small"), "a student version beside each of the model's, scored");
      assertEquals("small", report.last().orElseThrow().getModel(), "the results are the served student's");
      assertTrue(console.stream().anyMatch(l -> l.contains("serving small version")), "the search serves the student");
      assertTrue(after.stream().anyMatch(l -> l.contains("Recall@10 / MRR@10")), "versions scored after the crash too: "
          + String.join("\n", after));
      assertTrue(report.examplesIngested() > 0 && report.examplesApplied() > 0, report.toJson());
      assertTrue(report.examplesApplied() <= report.examplesIngested(), "no example applied twice: " + report.toJson());
      assertTrue(report.examplesApplied() > report.examplesIngested() - Loop.BATCH,
          "every example ingested applied, less at most one partial batch: " + report.toJson());
      assertTrue(console.stream().anyMatch(l -> l.contains("stopping evaluate")), "everything stopped");
    } finally {
      // A failed assertion must not leave the loop's processes to the tests that run after this one.
      loop.stop();
      try {
        run.get(2, TimeUnit.MINUTES);
      } catch (ExecutionException | TimeoutException e) {
        // the assertion that failed above says more
      }
    }
  }

  private static List<Long> versionsOf(LoopReport report, String model) {
    return report.versions().stream().filter(r -> r.getModel().equals(model)).map(EvaluationResult::getVersion)
        .toList();
  }

  /**
   * Every component serves Prometheus metrics on its default port, in text promtool accepts, with the figures
   * of what it has done so far.
   */
  private static void assertEndpointsServe() throws Exception {
    String ingest = Promtool.scrape(MetricsEndpoint.INGEST_PORT);
    assertTrue(ingest.contains("dualstream_ingest_input_records_total"), ingest);
    assertTrue(ingest.contains("dualstream_ingest_outcomes_total{account=\"clicks/examples\"}"), ingest);
    assertTrue(ingest.contains("kafka_streams_stream_thread_metrics_"), "Kafka Streams' own metrics too");
    String simulate = Promtool.scrape(MetricsEndpoint.SIMULATE_PORT);
    assertTrue(simulate.contains("dualstream_simulator_searches_total"), simulate);
    String evaluate = Promtool.scrape(MetricsEndpoint.EVALUATE_PORT);
    assertTrue(evaluate.contains("dualstream_evaluator_recall_at_10{system=\"bm25\"}"), evaluate);
    String train = Promtool.scrape(MetricsEndpoint.TRAIN_PORT);
    assertTrue(train.contains("examples_applied"), "the trainer's gauges through Flink's reporter:\n" + train);
    if (!Promtool.available()) {
      System.out.println("LoopIT: promtool is not installed (Debian package prometheus); the endpoints' text was"
          + " not checked with it");
      return;
    }
    for (String text : List.of(ingest, simulate, evaluate)) {
      Promtool.assertAccepts(text);
    }
    // Flink's reporter names metrics Flink's way (camelCase, milliseconds), which promtool's lint frowns on:
    // the trainer's text must parse, its naming is Flink's.
    Promtool.assertAccepts(train, problem -> problem.startsWith("flink_"));
  }

  private static boolean hasCompletedCheckpoint(Path checkpoints) throws IOException {
    if (!Files.isDirectory(checkpoints)) {
      return false;
    }
    try (var walk = Files.walk(checkpoints, 3)) {
      return walk.anyMatch(p -> p.getFileName().toString().equals("_metadata"));
    }
  }
}
