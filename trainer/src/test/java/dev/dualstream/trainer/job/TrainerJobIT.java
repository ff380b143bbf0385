package dev.dualstream.trainer.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job end to end on a real broker and a Flink MiniCluster: valid examples train a model
 * that is written to the store and announced; malformed, unknown-schema and empty records on
 * {@code training.examples} are dead-lettered with their reason and offset, and nothing else is lost.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TrainerJobIT {
  private static final int VALID = 600;
  private static final int BATCH = 32;

  @Test
  @Timeout(300)
  void trainsOnValidExamplesAndDeadLettersTheRest(KafkaBroker broker, @TempDir Path store, @TempDir Path checkpoints)
      throws Exception {
    broker.createTopics(2, Topics.TRAINING_EXAMPLES, Topics.TRAINING_METRICS, Topics.MODEL_VERSIONS,
        Topics.DEADLETTER_TRAINER);
    Map<Long, String> badOffsets = produce(broker.bootstrapServers());

    ModelConfig config = ModelConfig.defaults().toBuilder()
        .buckets(1 << 12).dims(16, 32, 16).batchSize(BATCH).learningRate(5e-3).build();
    TrainerOptions options = TrainerOptions.defaults(broker.connection())
        .withBounded(true)
        .withModelStore(store)
        .withModel(config)
        .withGroupId("trainer-it")
        .withIntervals(5, 0)
        .withCheckpoints(CheckpointSettings.defaults().withDirectory(checkpoints).withInterval(Duration.ofMillis(500)));

    TrainerJob.runLocal(options);

    List<DeadLetter> deadLetters = FaultFixture.readCommitted(broker, Topics.DEADLETTER_TRAINER, badOffsets.size());
    assertEquals(badOffsets.size(), deadLetters.size(), "one dead letter per bad record");
    for (DeadLetter d : deadLetters) {
      SourceOffset source = d.getSource();
      assertEquals(Topics.TRAINING_EXAMPLES.name(), source.getTopic());
      String expected = badOffsets.get(source.getPartition() * 1_000_000L + source.getOffset());
      assertTrue(expected != null, "dead letter for an offset that held a bad record: " + source);
      assertTrue(d.getReason().contains(expected), d.getReason() + " should mention " + expected);
      assertEquals("trainer", d.getStage());
    }

    List<ModelVersion> versions = FaultFixture.readCommitted(broker, Topics.MODEL_VERSIONS, 1);
    assertEquals(1, versions.size(), "a bounded run announces its final version once");
    ModelVersion version = versions.get(0);
    assertEquals(VALID, version.getExamples(), "every valid example applied exactly once");
    assertEquals((VALID + BATCH - 1) / BATCH, version.getStep());
    long consumed = version.getSourceOffsets().stream().mapToLong(SourceOffset::getOffset).sum();
    assertEquals(VALID + badOffsets.size(), consumed, "source offsets cover the whole input");

    List<TrainingMetrics> metrics = FaultFixture.readCommitted(broker, Topics.TRAINING_METRICS, 2);
    assertTrue(metrics.size() >= 2, "metrics reported while training");
    TrainingMetrics last = metrics.get(metrics.size() - 1);
    assertEquals(VALID, last.getExamples());
    assertTrue(metrics.get(0).getLoss() > last.getLoss(), "loss falls: " + metrics.get(0).getLoss() + " -> " + last.getLoss());

    try (RetrievalModel model = ModelStore.load(Path.of(java.net.URI.create(version.getUri())))) {
      float[][] q = model.embedQueries(List.of("alpha tool 3"));
      float[][] d = model.embedDocuments(List.of(new DocumentText("d", "alpha-3", "alpha tool 3 does things")));
      assertEquals(config.outputDim(), q[0].length);
      assertEquals(1.0, norm(d[0]), 1e-4);
    }
  }

  /** Writes the valid examples interleaved with bad records; returns bad offsets (partition*1e6+offset) -> reason. */
  private static Map<Long, String> produce(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    Map<Long, String> bad = new HashMap<>();
    Random random = new Random(3);
    byte[] unknownSchema = {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 2, 'x'};
    byte[] corrupt = {(byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, (byte) 0x8a, 0x0a};
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      String topic = Topics.TRAINING_EXAMPLES.name();
      for (int i = 0; i < VALID; i++) {
        TrainingExample example = example(i, random);
        byte[] key = example.getExampleId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, Topics.TRAINING_EXAMPLES.codec().encode(example)));
        if (i % 100 == 7) {
          note(bad, producer.send(new ProducerRecord<>(topic, key, unknownSchema)).get(), "unknown writer schema");
          note(bad, producer.send(new ProducerRecord<>(topic, key, corrupt)).get(), "TrainingExample");
          note(bad, producer.send(new ProducerRecord<>(topic, key, null)).get(), "null value");
        }
      }
      producer.flush();
    }
    return bad;
  }

  private static void note(Map<Long, String> bad, RecordMetadata m, String reason) {
    bad.put(m.partition() * 1_000_000L + m.offset(), reason);
  }

  /** Pairs whose query and document share a made-up family and number, so the model can learn them. */
  private static TrainingExample example(int i, Random random) {
    String[] families = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
    String family = families[random.nextInt(families.length)];
    int n = random.nextInt(40);
    String query = family + " tool " + n;
    return TrainingExample.newBuilder()
        .setExampleId("imp-" + i + "/doc-" + family + n)
        .setQuery(query)
        .setUserId("u" + (i % 13))
        .setPositive(new ExampleDoc("doc-" + family + n, family + "-" + n, query + " does things for " + family,
            1L, 1, 1.0, 1.0, null))
        .setSkipAbove(List.of())
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + i))
        .setImpression(new SourceOffset(Topics.IMPRESSIONS.name(), 0, (long) i))
        .setClick(new SourceOffset(Topics.CLICKS.name(), 0, (long) i))
        .build();
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }
}
