package dev.dualstream.deploy.demo;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.offline.SystemResult;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.ingest.CommittedRecords;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.SourceOffset;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A report's curves for a training run that has finished: every version of the model it announced, read
 * back from {@code models.versions} as any consumer would, scored on the first {@code queries} queries of
 * the test split, at the examples it had trained on and the event time of the newest of them (from the
 * committed {@code training.examples} below the version's source offsets).
 */
final class VersionCurves {
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

  private VersionCurves() {}

  static List<CurvePoint> score(String bootstrap, String model, BeirDataset dataset, Bm25Index bm25, int queries,
      Consumer<String> say) {
    List<ModelVersion> versions = versions(bootstrap, model);
    Map<Integer, List<long[]>> examples = new HashMap<>(); // partition -> (offset, event time)
    CommittedRecords.read(KafkaConnection.plaintext(bootstrap), Topics.TRAINING_EXAMPLES.name(), READ_TIMEOUT, r -> {
      TrainingExample e = Topics.TRAINING_EXAMPLES.codec().decode(r.value());
      examples.computeIfAbsent(r.partition(), k -> new ArrayList<>())
          .add(new long[] {r.offset(), e.getEventTime().toEpochMilli()});
    });
    List<CurvePoint> points = new ArrayList<>();
    for (ModelVersion v : versions) {
      Instant newest = newestEventTime(examples, v);
      try (RetrievalModel trained = ModelStore.load(Path.of(URI.create(v.getUri())))) {
        for (SystemResult r : new VersionEvaluation(dataset, "test", queries, line -> { }).run(trained, bm25, Map.of())
            .report().results()) {
          points.add(new CurvePoint(r.system(), v.getExamples(), newest, r.metrics()));
        }
      }
      say.accept(String.format("report: version %d of %d scored on up to %d test queries", v.getVersion(),
          versions.size(), queries));
    }
    return points;
  }

  /** The committed versions of {@code model} in {@code models.versions}, oldest first. */
  static List<ModelVersion> versions(String bootstrap, String model) {
    List<ModelVersion> versions = new ArrayList<>();
    CommittedRecords.read(KafkaConnection.plaintext(bootstrap), Topics.MODEL_VERSIONS.name(), READ_TIMEOUT, r -> {
      ModelVersion v = Topics.MODEL_VERSIONS.codec().decode(r.value());
      if (v.getModel().equals(model)) {
        versions.add(v);
      }
    });
    versions.sort(Comparator.comparingLong(ModelVersion::getVersion));
    return versions;
  }

  /** The event time of the newest example below the version's source offsets, or null if it trained on none. */
  static Instant newestEventTime(Map<Integer, List<long[]>> examples, ModelVersion version) {
    long newest = Long.MIN_VALUE;
    for (SourceOffset o : version.getSourceOffsets()) {
      if (!o.getTopic().equals(Topics.TRAINING_EXAMPLES.name())) {
        continue;
      }
      for (long[] e : examples.getOrDefault(o.getPartition(), List.of())) {
        if (e[0] < o.getOffset()) {
          newest = Math.max(newest, e[1]);
        }
      }
    }
    return newest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(newest);
  }
}
