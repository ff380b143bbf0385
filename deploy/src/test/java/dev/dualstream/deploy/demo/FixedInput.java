package dev.dualstream.deploy.demo;

import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The input of the fault tests, the same on every run: the simulator's events (seeded) on a slice of
 * debian-pkgdesc, documents first, published in full before ingest starts. Impressions and clicks go to
 * two partitions each, so that ingest runs two tasks whose stream times move apart.
 */
final class FixedInput {
  private static final long SEED = 11;
  private static final int IMPRESSIONS = 3_000;
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

  private FixedInput() {}

  /** Creates the topics and publishes the events; returns what was published. */
  static SimulationResult publish(Path dir, String bootstrapServers) throws IOException {
    KafkaBrokerProcess.createTopics(bootstrapServers, 2, Topics.IMPRESSIONS, Topics.CLICKS, Topics.TRAINING_EXAMPLES);
    KafkaBrokerProcess.createTopics(bootstrapServers, 1, Topics.DOCUMENTS, Topics.DEADLETTER_INGEST);
    return ClickSimulator.publish(BeirReader.read(DatasetSlice.write(dir, 1_500, 50)),
        KafkaConnection.plaintext(bootstrapServers),
        SimulationConfig.defaults(SEED, IMPRESSIONS), progress -> {});
  }

  /** Every record of the three input topics, read back from the broker. */
  static List<ConsumerRecord<byte[], byte[]>> readBack(String bootstrapServers) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String topic : List.of(Topics.DOCUMENTS.name(), Topics.IMPRESSIONS.name(), Topics.CLICKS.name())) {
      CommittedRecords.read(KafkaConnection.plaintext(bootstrapServers), topic, READ_TIMEOUT, records::add);
    }
    return records;
  }
}
