package dev.dualstream.deploy.cli;

import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Announces model versions on models.versions as a trainer would, for the tests of their readers. */
final class Announce {
  private Announce() {}

  /** A version record of {@code model} whose files are in {@code dir}. */
  static ModelVersion version(String model, long n, long step, long examples, Path dir) {
    return ModelVersion.newBuilder().setModel(model).setVersion(n).setStep(step).setExamples(examples)
        .setUri(dir.toUri().toString()).setFeatureSpec("{}").setEmbeddingDim(64).setSeed(3)
        .setSourceOffsets(List.of()).setTimestamp(Instant.parse("2025-01-01T00:00:00Z")).build();
  }

  /** Sends it and waits for the broker's acknowledgement. */
  static void send(String bootstrap, ModelVersion version) throws Exception {
    try (KafkaProducer<String, ModelVersion> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), Topics.MODEL_VERSIONS.keySerde().serializer(),
        Topics.MODEL_VERSIONS.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(Topics.MODEL_VERSIONS.name(), version.getModel(), version))
          .get(30, TimeUnit.SECONDS);
    }
  }
}
