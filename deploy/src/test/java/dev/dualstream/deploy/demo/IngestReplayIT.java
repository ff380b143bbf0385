package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.record.Recorder;
import dev.dualstream.evaluator.record.Replayer;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording of ingest's inputs, replayed into another cluster, joins into the same examples: ingest on the
 * original broker and ingest on a second broker fed only by the replay commit the same set of example ids,
 * each the reference join of its own input.
 */
class IngestReplayIT {
  private static final Duration STEP = Duration.ofMinutes(2);

  @Test
  @Timeout(300)
  void replayedInputsJoinIntoTheSameExamples(@TempDir Path tmp) throws Exception {
    Path recording = tmp.resolve("recording");
    TreeSet<String> original;
    SimulationResult input;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(tmp.resolve("kafka-a")).port(FreePorts.pair()).start()) {
      input = FixedInput.publish(tmp.resolve("slice"), broker.bootstrapServers());
      Recorder.Progress recorded = Recorder.open(recording, Recorder.Rotation.defaults()).run(
          broker.connection(), List.of(Topics.DOCUMENTS.name(), Topics.IMPRESSIONS.name(), Topics.CLICKS.name()),
          new Properties(), true, () -> false, p -> { });
      assertEquals(input.events(), recorded.records(), "the recording holds every published event");
      original = ingest(broker.bootstrapServers(), tmp.resolve("a"));
    }
    TreeSet<String> replayed;
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(tmp.resolve("kafka-b")).port(FreePorts.pair()).start()) {
      KafkaBrokerProcess.createTopics(broker.bootstrapServers(), 2, Topics.IMPRESSIONS, Topics.CLICKS,
          Topics.TRAINING_EXAMPLES);
      KafkaBrokerProcess.createTopics(broker.bootstrapServers(), 1, Topics.DOCUMENTS, Topics.DEADLETTER_INGEST);
      long sent = Replayer.replay(recording, broker.connection(),
          new Replayer.Options(0, ""), () -> false, p -> { });
      assertEquals(input.events(), sent);
      replayed = ingest(broker.bootstrapServers(), tmp.resolve("b"));
    }
    assertTrue(original.size() > input.impressions() / 2, "the input makes examples: " + original.size());
    assertEquals(original, replayed, "the same example ids from the replay as from the original stream");
  }

  /** Runs ingest to the end of its input; checks its examples are the reference join; returns their ids. */
  private static TreeSet<String> ingest(String bootstrapServers, Path dir) throws Exception {
    IngestOptions options = IngestOptions.builder().applicationId("replay-it").processingGuarantee("exactly_once_v2")
        .replicationFactor(1).stateDir(dir.resolve("ingest-state")).build();
    try (IngestUnderFaults ingest = new IngestUnderFaults(bootstrapServers, options, dir)) {
      java.nio.file.Files.createDirectories(dir);
      ingest.start();
      ingest.awaitDone(STEP);
      ingest.assertCommittedExamplesAreTheReferenceJoin();
    }
    TreeSet<String> ids = new TreeSet<>();
    KafkaConnection kafka = KafkaConnection.plaintext(bootstrapServers);
    CommittedRecords.read(kafka, Topics.TRAINING_EXAMPLES.name(), Duration.ofMinutes(1),
        r -> ids.add(Topics.TRAINING_EXAMPLES.codec().decode(r.value()).getExampleId()));
    return ids;
  }
}
