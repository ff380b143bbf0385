package dev.dualstream.schemas;

import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.EvaluationResult;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.schemas.avro.TrainingMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serdes;

/** Every topic of the contract (DESIGN.md, "Topics"). */
public final class Topics {
  private static final Map<Class<?>, AvroCodec<?>> CODECS = new ConcurrentHashMap<>();

  public static final Topic<String, Impression> IMPRESSIONS = topic("search.impressions", Impression.class);
  public static final Topic<String, Click> CLICKS = topic("search.clicks", Click.class);
  public static final Topic<String, Document> DOCUMENTS = topic("corpus.documents", Document.class);
  public static final Topic<String, TrainingExample> TRAINING_EXAMPLES = topic("training.examples", TrainingExample.class);
  public static final Topic<String, TrainingMetrics> TRAINING_METRICS = topic("training.metrics", TrainingMetrics.class);
  public static final Topic<String, ModelVersion> MODEL_VERSIONS = topic("models.versions", ModelVersion.class);
  public static final Topic<String, EvaluationResult> EVALUATION_RESULTS =
      topic("evaluation.results", EvaluationResult.class);
  public static final Topic<String, DeadLetter> DEADLETTER_INGEST = topic("deadletter.ingest", DeadLetter.class);
  public static final Topic<String, DeadLetter> DEADLETTER_TRAINER = topic("deadletter.trainer", DeadLetter.class);

  private Topics() {}

  /** All topics, in the order of DESIGN.md's table. */
  public static List<Topic<String, ?>> all() {
    return List.of(IMPRESSIONS, CLICKS, DOCUMENTS, TRAINING_EXAMPLES, TRAINING_METRICS, MODEL_VERSIONS,
        EVALUATION_RESULTS, DEADLETTER_INGEST, DEADLETTER_TRAINER);
  }

  /** The shared codec for a generated type (one per type, so known writer schemas are registered once). */
  @SuppressWarnings("unchecked")
  public static <T extends SpecificRecordBase> AvroCodec<T> codecFor(Class<T> type) {
    return (AvroCodec<T>) CODECS.computeIfAbsent(type, t -> AvroCodec.of(type));
  }

  private static <V extends SpecificRecordBase> Topic<String, V> topic(String name, Class<V> type) {
    return new Topic<>(name, Serdes.String(), new AvroSerde<>(codecFor(type)));
  }
}
