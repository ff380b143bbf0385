package dev.dualstream.trainer.job;

import dev.dualstream.schemas.DeadLetters;
import dev.dualstream.schemas.RecordDecodeException;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.DeadLetter;
import dev.dualstream.schemas.avro.ExampleDoc;
import dev.dualstream.schemas.avro.TrainingExample;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.TrainingPair;
import dev.dualstream.trainer.negatives.DocKeys;
import java.time.Instant;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes training examples and turns their text into feature ids. Runs in parallel ahead of the
 * single training operator, so the trainer never parses. A record that does not decode, or decodes to
 * an unusable example, goes to the {@link #DEAD_LETTERS} side output with the reason and its offset.
 *
 * <p>Each subtask remembers the ids of the queries and documents it saw last ({@link FeatureMemo},
 * bounded in bytes), since a click stream repeats its popular queries and documents. Metrics show
 * how well that pays: {@code featureCacheHits} and {@code featureCacheMisses} (lookups, a query and
 * a document per example), {@code featureCacheHitRate} (since start), {@code featureCacheBytes}
 * (estimated heap) and {@code featureCacheEntries}.
 */
final class DecodeAndFeaturize extends ProcessFunction<RawRecord, FeaturizedExample> {
  private static final long serialVersionUID = 1L;
  static final OutputTag<EncodedRecord> DEAD_LETTERS = new OutputTag<>("dead-letters") {
    private static final long serialVersionUID = 1L;
  };
  static final String STAGE = "trainer";

  private final Featurizer featurizer;
  private final long featureCacheBytes;
  private final int feederNice;
  private final int skipAbove;
  private transient Counter decoded;
  private transient FeatureMemo memo;

  /**
   * @param featureCacheBytes heap each subtask may spend remembering feature ids; 0: none
   * @param feederNice nice value of the subtask's thread ({@link FeederPriority}); 0: unchanged
   * @param skipAbove skip-above documents featurized per example, topmost first (the model's {@code
   *     NegativeConfig.skipAbove()}); 0: none
   */
  DecodeAndFeaturize(Featurizer featurizer, long featureCacheBytes, int feederNice, int skipAbove) {
    if (skipAbove < 0) {
      throw new IllegalArgumentException("skip-above documents must be 0 or more, got " + skipAbove);
    }
    this.featurizer = featurizer;
    this.featureCacheBytes = featureCacheBytes;
    this.feederNice = FeederPriority.requireNice(feederNice);
    this.skipAbove = skipAbove;
  }

  @Override
  public void open(OpenContext openContext) {
    FeederPriority.lowerCallingThread(feederNice);
    memo = new FeatureMemo(featureCacheBytes);
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    decoded = metrics.counter("examplesDecoded");
    metrics.gauge("featureCacheHitRate", (Gauge<Double>) memo::hitRate);
    metrics.gauge("featureCacheHits", (Gauge<Long>) memo::hits);
    metrics.gauge("featureCacheMisses", (Gauge<Long>) memo::misses);
    metrics.gauge("featureCacheBytes", (Gauge<Long>) memo::bytes);
    metrics.gauge("featureCacheEntries", (Gauge<Integer>) memo::size);
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<FeaturizedExample> out) {
    TrainingExample example;
    try {
      example = Topics.TRAINING_EXAMPLES.codec().decode(raw.value);
    } catch (RecordDecodeException e) {
      ctx.output(DEAD_LETTERS, encode(raw, deadLetter(raw, e)));
      return;
    }
    String query = example.getQuery();
    String docTitle = example.getPositive().getTitle();
    String docText = example.getPositive().getText();
    if (query == null || query.isBlank()) {
      ctx.output(DEAD_LETTERS, encode(raw, DeadLetters.of(raw.topic, raw.partition, raw.offset, raw.key, raw.value, STAGE,
          IllegalArgumentException.class.getName(), "example " + example.getExampleId() + " has an empty query",
          Instant.now())));
      return;
    }
    int[] queryIds = memo.query(query, () -> featurizer.query(query));
    int[] docIds = memo.document(docTitle, docText, () -> featurizer.document(docTitle, docText));
    if (queryIds.length == 0 || docIds.length == 0) {
      ctx.output(DEAD_LETTERS, encode(raw, DeadLetters.of(raw.topic, raw.partition, raw.offset, raw.key, raw.value, STAGE,
          IllegalArgumentException.class.getName(),
          "example " + example.getExampleId() + " has no features in its " + (queryIds.length == 0 ? "query" : "document"),
          Instant.now())));
      return;
    }
    decoded.inc();
    long docKey = DocKeys.of(example.getPositive().getDocId());
    long[] skipKeys = new long[skipAbove];
    int[][] skipIds = new int[skipAbove][];
    int kept = 0;
    for (ExampleDoc shown : example.getSkipAbove()) {
      if (kept == skipAbove) {
        break;
      }
      String title = shown.getTitle();
      String text = shown.getText();
      int[] features = memo.document(title, text, () -> featurizer.document(title, text));
      long key = DocKeys.of(shown.getDocId());
      // A document the join did not know has no text, and one equal to the positive is no negative of it.
      if (features.length > 0 && key != docKey) {
        skipKeys[kept] = key;
        skipIds[kept++] = features;
      }
    }
    FeaturizedExample featurized = new FeaturizedExample(example.getExampleId(), queryIds, docIds, docKey,
        Arrays.copyOf(skipKeys, kept), Arrays.copyOf(skipIds, kept), example.getEventTime().toEpochMilli(), raw.partition,
        raw.offset);
    ExampleDoc positive = example.getPositive();
    featurized.exposure = TrainingPair.exposure(positive.getPropensity(), positive.getShownProbability());
    out.collect(featurized);
  }

  private static EncodedRecord encode(RawRecord raw, DeadLetter deadLetter) {
    return new EncodedRecord(raw.key, Topics.DEADLETTER_TRAINER.codec().encode(deadLetter));
  }

  private static DeadLetter deadLetter(RawRecord raw, Exception e) {
    return DeadLetters.of(raw.topic, raw.partition, raw.offset, raw.key, raw.value, STAGE, e, Instant.now());
  }
}
