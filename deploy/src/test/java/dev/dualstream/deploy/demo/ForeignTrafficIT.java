package dev.dualstream.deploy.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.KafkaEventSink;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.ingest.Account;
import dev.dualstream.ingest.IngestAccounting;
import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.RunningIngest;
import dev.dualstream.schemas.Topics;
import dev.dualstream.trainer.model.DocumentText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case that once lost almost every click without a trace: a simulated stream of last year's events,
 * and beside it another producer whose bad records and valid pairs carry today's Kafka timestamps. A real
 * broker process (Kafka Streams merges its input partitions by these timestamps), ingest with
 * exactly-once, and the committed output read back: every simulated click and every foreign pair an
 * example, every bad record one dead letter, every input record in an account.
 */
class ForeignTrafficIT {

  @Test
  @Timeout(300)
  void everyClickAndEveryForeignPairBecomesAnExampleAndEveryBadRecordOneDeadLetter(@TempDir Path tmp)
      throws Exception {
    BeirDataset dataset = BeirReader.read(DatasetSlice.write(tmp.resolve("slice"), 1_500, 50));
    int port = FreePorts.pair();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(tmp.resolve("kafka")).port(port).start()) {
      String bootstrap = broker.bootstrapServers();
      KafkaBrokerProcess.createTopics(bootstrap, 2, Topics.IMPRESSIONS, Topics.CLICKS, Topics.TRAINING_EXAMPLES);
      KafkaBrokerProcess.createTopics(bootstrap, 1, Topics.DOCUMENTS, Topics.DEADLETTER_INGEST);
      SimulationConfig config = SimulationConfig.defaults(7, 4_000);
      List<String> docs = dataset.corpus().stream().map(DocumentText::id).limit(200).toList();
      ForeignTraffic foreign;
      SimulationResult simulated;
      try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
        foreign = new ForeignTraffic(KafkaEventSink.connect(broker.connection()), bootstrap, docs,
            dataset.corpus().size() + 2 * config.impressions(), 99, 20, 7);
        try (foreign) {
          simulated = simulator.run(foreign, progress -> {});
        }
      }

      IngestOptions options = IngestOptions.builder().applicationId("foreign-it").replicationFactor(1)
          .stateDir(tmp.resolve("ingest")).build();
      try (RunningIngest ingest = IngestApp.start(options, broker.connection())) {
        assertTrue(ingest.awaitCaughtUp(Duration.ofMinutes(3)), "ingest caught up");
      }
      IngestAccounting accounting = IngestAccounting.read(broker.connection(), options, Duration.ofMinutes(1));
      assertEquals(List.of(), accounting.problems(), "every input record in exactly one account");
      assertEquals(simulated.clicks() + 20, accounting.examples(), "every simulated click and every foreign pair");
      assertEquals(99, accounting.deadLetters().values().stream().mapToLong(Long::longValue).sum(), "every bad record");
      assertEquals(0L, accounting.accounts().get(Account.CLICKS_DUPLICATE));
      assertEquals(simulated.impressions() + 20, accounting.accounts().get(Account.IMPRESSIONS_CLICKED)
          + accounting.accounts().get(Account.IMPRESSIONS_NEVER_CLICKED) + accounting.accounts().get(Account.IMPRESSIONS_OPEN));
      foreign.verify(bootstrap); // throws, naming what is missing, unless each pair is an example and each bad record one letter
    }
  }
}
