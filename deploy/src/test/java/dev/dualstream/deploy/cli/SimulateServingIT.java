package dev.dualstream.deploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.demo.DatasetSlice;
import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.TopicReader;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.VersionLease;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate} serving the newest model: it ranks with BM25 until a version is announced, then with that
 * version's hybrid, swaps in a newer one while it runs, records on each impression what ranked it and, for
 * each result, the probability that its policy showed it there; and it holds a lease only on the version it
 * serves, none once it stops.
 */
class SimulateServingIT {

  @Test
  void servesEachNewVersionAndRecordsWhatShowedEachResult(@TempDir Path dir) throws Exception {
    Path slice = DatasetSlice.write(dir.resolve("slice"), 40, 20);
    Path v1 = dir.resolve("models/small/1");
    Path v2 = dir.resolve("models/small/2");
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(
        ModelConfig.defaults().toBuilder().modelName("small").buckets(1 << 12).build(), 3)) {
      trainer.save(v1, Map.of());
      trainer.save(v2, Map.of());
    }
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(dir.resolve("kafka")).port(FreePorts.one())
        .controllerPort(FreePorts.one()).start()) {
      String bootstrap = broker.bootstrapServers();
      LocalTopics.create(bootstrap, 1);

      CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.run("simulate",
          "--bootstrap-servers", bootstrap, "--dataset", slice.toString(), "--rate", "20", "--duration", "40s",
          "--model", "small", "--explore", "0.5", "--progress-every", "10s"));
      Thread.sleep(8_000);
      Announce.send(bootstrap, Announce.version("small", 1, 1, 32, v1));
      Thread.sleep(14_000);
      assertTrue(VersionLease.isHeld(v1), "version 1 serves: the simulator holds a lease on it");
      Announce.send(bootstrap, Announce.version("small", 2, 2, 64, v2));
      CliRun done = run.get(3, TimeUnit.MINUTES);

      assertEquals(0, done.code, done.err);
      assertTrue(done.out.contains("serving small version 1"), done.out);
      assertTrue(done.out.contains("serving small version 2"), done.out);
      assertFalse(VersionLease.isHeld(v1), "version 1 was replaced: its lease went with it");
      assertFalse(VersionLease.isHeld(v2), "the simulator stopped: no lease left");

      List<Impression> impressions = TopicReader.readValues(bootstrap, Topics.IMPRESSIONS, 700, Duration.ofSeconds(20));
      assertTrue(impressions.size() > 600, "about 20 searches a second for 40 s: " + impressions.size());
      assertEquals("bm25", impressions.get(0).getRanker(), "BM25 ranks until a version arrives");
      Impression last = impressions.get(impressions.size() - 1);
      assertEquals("hybrid", last.getRanker());
      assertEquals("small", last.getModel());
      assertEquals(2L, last.getModelVersion());
      assertTrue(impressions.stream().anyMatch(i -> Long.valueOf(1).equals(i.getModelVersion())));
      long explored = 0;
      for (Impression impression : impressions) {
        double shownAsIs = 1;
        for (ShownResult r : impression.getResults()) {
          Double p = r.getShownProbability();
          // a rescued relevant document was not the policy's choice and carries none
          assertTrue(p == null || (p > 0 && p <= 1 + 1e-9), "a probability: " + r);
          shownAsIs *= p == null ? 1 : p;
        }
        // the ranker's own top 10 is shown with probability at least 1 - 0.5; any other order with less
        if (shownAsIs < 0.5) {
          explored++;
        }
      }
      double share = (double) explored / impressions.size();
      assertTrue(share > 0.4 && share < 0.6, "half the searches show a sampled order: " + share);
    }
  }
}
