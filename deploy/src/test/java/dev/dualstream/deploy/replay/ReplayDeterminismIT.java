package dev.dualstream.deploy.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.record.Recorder;
import dev.dualstream.evaluator.record.Replayer;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import dev.dualstream.trainer.job.TrainerTopics;
import dev.dualstream.trainer.model.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users evaluate by replaying recorded streams: a recording of {@code training.examples}, replayed, must train
 * the very model the original topic trained. Deterministic mode, one partition, a real broker and the Flink job.
 */
class ReplayDeterminismIT {
  private static final int EXAMPLES = 640;
  private static final ModelConfig TINY = ModelConfig.defaults().toBuilder().modelName("tiny")
      .buckets(1 << 12).dims(16, 32, 16).batchSize(32).learningRate(5e-3).threads(1).build();

  @TempDir Path dir;

  @Test
  void trainingOnAReplayedRecordingGivesBitIdenticalParameters() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(dir.resolve("kafka")).port(FreePorts.one())
        .controllerPort(FreePorts.one()).start()) {
      String bootstrap = broker.bootstrapServers();
      TrainerTopics original = TrainerTopics.prefixed("original.");
      TrainerTopics replayed = TrainerTopics.prefixed("replayed.original.");
      create(bootstrap, original, replayed);
      produce(bootstrap, original.input().name());

      Path recording = dir.resolve("recording");
      Recorder.Progress recorded = Recorder.open(recording, Recorder.Rotation.defaults()).run(broker.connection(),
          List.of(original.input().name()), new Properties(), true, () -> false, p -> { });
      assertEquals(EXAMPLES, recorded.records());
      long sent = Replayer.replay(recording, broker.connection(), new Replayer.Options(0, "replayed."),
          () -> false, p -> { });
      assertEquals(EXAMPLES, sent);

      Path fromTopic = train(bootstrap, original, dir.resolve("from-topic"));
      Path fromReplay = train(bootstrap, replayed, dir.resolve("from-replay"));
      assertEquals(fromTopic.getFileName(), fromReplay.getFileName(), "the same last version");
      for (String file : List.of("embeddings.f32", "dense.f32")) {
        byte[] a = Files.readAllBytes(fromTopic.resolve(file));
        assertTrue(a.length > 0);
        assertArrayEquals(a, Files.readAllBytes(fromReplay.resolve(file)), file + " is bit-identical");
      }
    }
  }

  /** Trains to the end of the bounded input; returns the newest version's directory. */
  private static Path train(String bootstrap, TrainerTopics topics, Path work) throws Exception {
    TrainerOptions options = TrainerOptions.defaults(KafkaConnection.plaintext(bootstrap))
        .withTopics(topics)
        .withGroupId(topics.input().name() + ".trainer")
        .withModelStore(work.resolve("models"))
        .withModel(TINY)
        .withBounded(true)
        .withDeterministic(true)
        .withIntervals(5, 10)
        .withKeepVersions(0)
        .withCheckpoints(CheckpointSettings.defaults().withDirectory(work.resolve("checkpoints")));
    TrainerJob.runLocal(options);
    try (Stream<Path> versions = Files.list(work.resolve("models").resolve(TINY.modelName()))) {
      return versions.filter(p -> p.getFileName().toString().matches("\\d+"))
          .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString()))).orElseThrow();
    }
  }

  private static void create(String bootstrap, TrainerTopics... all) throws Exception {
    try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      List<NewTopic> topics = Stream.of(all).flatMap(t -> Stream.of(t.input(), t.metrics(), t.versions(),
          t.deadLetters())).map(t -> new NewTopic(t.name(), 1, (short) 1)).toList();
      admin.createTopics(topics).all().get();
    }
  }

  private static void produce(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    Random random = new Random(11);
    String[] families = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < EXAMPLES; i++) {
        String family = families[random.nextInt(families.length)];
        int n = random.nextInt(100);
        String query = family + " tool " + n;
        TrainingExample example = TrainingExample.newBuilder()
            .setExampleId("ex-" + i)
            .setQuery(query)
            .setUserId("u" + (i % 13))
            .setPositive(new ExampleDoc("doc-" + family + n, family + "-" + n, query + " helps with " + family, 1L, 1,
                1.0, 1.0, null))
            .setSkipAbove(List.of())
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + 1000L * i))
            .setImpression(new SourceOffset(Topics.IMPRESSIONS.name(), 0, (long) i))
            .setClick(new SourceOffset(Topics.CLICKS.name(), 0, (long) i))
            .build();
        producer.send(new ProducerRecord<>(topic, 0, 1_700_000_000_000L + 1000L * i,
            example.getExampleId().getBytes(StandardCharsets.UTF_8), Topics.TRAINING_EXAMPLES.codec().encode(example)));
      }
      producer.flush();
    }
  }
}
