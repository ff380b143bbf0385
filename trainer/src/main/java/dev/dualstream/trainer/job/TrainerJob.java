package dev.dualstream.trainer.job;

import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.Topics;
import dev.dualstream.trainer.feature.Featurizer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The training job: {@code training.examples} -> decode and featurize (parallel) -> train (one
 * subtask) -> {@code training.metrics} and {@code models.versions}; undecodable examples go to
 * {@code deadletter.trainer}. {@link #build} wires the graph onto any environment (tests hand it a
 * MiniCluster); {@link #runLocal} runs it in a MiniCluster inside this process.
 */
public final class TrainerJob {
  private TrainerJob() {}

  /** Adds the training pipeline to {@code env}. */
  @SuppressWarnings("deprecation") // the connector's API still takes Kafka's deprecated OffsetResetStrategy
  public static void build(StreamExecutionEnvironment env, TrainerOptions options) {
    Topic<String, ?> input = Topics.TRAINING_EXAMPLES;
    KafkaSourceBuilder<RawRecord> sourceBuilder = KafkaSource.<RawRecord>builder()
        .setBootstrapServers(options.bootstrapServers())
        .setTopics(input.name())
        .setGroupId(options.groupId())
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawRecordDeserializer())
        .setProperty("isolation.level", "read_committed")
        .setProperty("partition.discovery.interval.ms", options.bounded() ? "-1" : "10000");
    if (options.bounded()) {
      sourceBuilder.setBounded(OffsetsInitializer.latest());
    }

    DataStream<RawRecord> raw = env
        .fromSource(sourceBuilder.build(), WatermarkStrategy.noWatermarks(), "source: " + input.name())
        .uid("source-training-examples");

    Featurizer featurizer = new Featurizer(options.model().featureSpec());
    SingleOutputStreamOperator<FeaturizedExample> featurized = raw
        .rebalance()
        .process(new DecodeAndFeaturize(featurizer))
        .returns(TypeInformation.of(FeaturizedExample.class))
        .setParallelism(options.decodeParallelism())
        .name("decode and featurize")
        .uid("decode-featurize");

    featurized.getSideOutput(DecodeAndFeaturize.DEAD_LETTERS)
        .sinkTo(sink(options, Topics.DEADLETTER_TRAINER))
        .name("sink: " + Topics.DEADLETTER_TRAINER.name())
        .uid("sink-deadletter-trainer");

    SingleOutputStreamOperator<EncodedRecord> metrics = featurized
        .transform("train " + options.modelName(), TypeInformation.of(EncodedRecord.class),
            new TrainingOperator(options, input.name()))
        .setParallelism(1)
        .setMaxParallelism(1)
        .uid("train");

    metrics.sinkTo(sink(options, Topics.TRAINING_METRICS))
        .setParallelism(1)
        .name("sink: " + Topics.TRAINING_METRICS.name())
        .uid("sink-training-metrics");
    metrics.getSideOutput(TrainingOperator.VERSIONS)
        .sinkTo(sink(options, Topics.MODEL_VERSIONS))
        .setParallelism(1)
        .name("sink: " + Topics.MODEL_VERSIONS.name())
        .uid("sink-model-versions");
  }

  /** Runs the job in a Flink MiniCluster in this process and waits for it (forever unless bounded). */
  public static JobExecutionResult runLocal(TrainerOptions options) throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
        Math.max(1, options.decodeParallelism()), conf);
    build(env, options);
    return env.execute("dualstream trainer: " + options.modelName());
  }

  private static KafkaSink<EncodedRecord> sink(TrainerOptions options, Topic<String, ?> topic) {
    String name = topic.name();
    KafkaRecordSerializationSchema<EncodedRecord> serializer =
        (element, context, timestamp) -> new ProducerRecord<>(name, element.key, element.value);
    return KafkaSink.<EncodedRecord>builder()
        .setBootstrapServers(options.bootstrapServers())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }
}
