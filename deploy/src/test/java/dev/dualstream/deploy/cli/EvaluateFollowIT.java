package dev.dualstream.deploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.TopicReader;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.SystemMetrics;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate --follow} as a trainer's neighbour: a version announced on models.versions is scored (dense,
 * hybrid, bm25) into evaluation.results once; a restarted follower goes on with the next version, and one
 * whose directory is gone is reported and passed over.
 */
class EvaluateFollowIT {

  @Test
  void scoresEachCommittedVersionOnceAndCarriesOnAfterARestart(@TempDir Path dir) throws Exception {
    Path slice = DatasetSlice.write(dir.resolve("slice"), 50, 20);
    Path v1 = dir.resolve("models/small/v1");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(
        ModelConfig.defaults().toBuilder().buckets(1 << 12).build(), 3)) {
      trainer.save(v1, Map.of());
    }
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(dir.resolve("kafka")).port(FreePorts.one()).controllerPort(FreePorts.one()).start()) {
      String bootstrap = broker.bootstrapServers();
      LocalTopics.create(bootstrap, 1);
      Announce.send(bootstrap, Announce.version("small", 1, 7, 700, v1));

      CliRun first = follow(bootstrap, slice, "30s");
      assertEquals(0, first.code, first.err);
      assertTrue(first.out.contains("small version 1 (step 7, 700 examples)"), first.out);
      assertTrue(first.out.contains("stopped; 1 versions scored"), first.out);

      List<EvaluationResult> results = TopicReader.readValues(bootstrap, Topics.EVALUATION_RESULTS, 1);
      assertEquals(1, results.size());
      EvaluationResult r = results.get(0);
      assertEquals(List.of("dense", "hybrid", "bm25"), r.getSystems().stream().map(SystemMetrics::getSystem).toList());
      assertEquals("test", r.getSplit());
      assertEquals(20, r.getQueries());
      assertEquals("dev", r.getTuningSplit());
      assertNotNull(r.getHybridWeight());
      SystemMetrics hybrid = r.getSystems().get(1);
      SystemMetrics bm25 = r.getSystems().get(2);
      assertTrue(bm25.getRecallAt10() > 0.5, "BM25 on the slice: " + bm25);
      assertTrue(hybrid.getRecallAt10() >= 0 && hybrid.getRecallAt10() <= 1);

      Announce.send(bootstrap, Announce.version("small", 2, 7, 700, dir.resolve("models/small/gone")));
      CliRun second = follow(bootstrap, slice, "20s");
      assertEquals(0, second.code, second.err);
      assertTrue(second.out.contains("skipped version 2 of small"), second.out);
      assertTrue(second.out.contains("stopped; 0 versions scored"), "version 1 is not scored again: " + second.out);
      assertEquals(1, TopicReader.readValues(bootstrap, Topics.EVALUATION_RESULTS, 2, Duration.ofSeconds(5)).size());
    }
  }

  private static CliRun follow(String bootstrap, Path slice, String duration) {
    return CliRun.run("evaluate", "--follow", "--bootstrap-servers", bootstrap, "--dataset", slice.toString(),
        "--duration", duration);
  }
}
