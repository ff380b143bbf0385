package dev.dualstream.trainer.job;

import dev.dualstream.cache.NegativeCache;
import dev.dualstream.schemas.Topic;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.ModelConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The training job: {@code training.examples} -> decode and featurize (parallel) -> train (one
 * subtask) -> {@code training.metrics} and {@code models.versions}; undecodable examples go to
 * {@code deadletter.trainer}. {@link #build} wires the graph onto any environment (tests hand it a
 * MiniCluster); {@link #runLocal} runs it in a MiniCluster inside this process, {@link #runOnCluster} on a
 * Flink session cluster, shipping the job's own classes as jars ({@link #jobJars}).
 *
 * <p>Exactly-once: the source's offsets and the trainer's whole state are in each checkpoint, and
 * all three sinks write Kafka transactions that commit when the checkpoint completes, so after any
 * failure every example is applied once and {@code read_committed} readers see each output record
 * once. {@link #configuration} holds the checkpoint and restart settings.
 */
public final class TrainerJob {
  /**
   * How long a record may wait in a partly filled network buffer. Flink's default, 100 ms, is paid
   * on both hops (source to decoders, decoders to the trainer) whenever input is slower than a
   * buffer per 100 ms, as a live click stream is: at 1,000 examples/s it made up about 90 ms of the
   * median click-to-step freshness. Under a backlog buffers fill long before this, so throughput
   * does not change.
   */
  static final Duration BUFFER_TIMEOUT = Duration.ofMillis(10);

  private TrainerJob() {}

  /** Adds the training pipeline to {@code env}, after checking the broker (see {@link Preflight}). */
  public static void build(StreamExecutionEnvironment env, TrainerOptions options) {
    build(env, options, UnaryOperator.identity());
  }

  /**
   * As {@link #build(StreamExecutionEnvironment, TrainerOptions)}, with {@code beforeTraining}
   * applied to the featurized stream right before the trainer (tests inject failures there).
   */
  @SuppressWarnings("deprecation") // the connector's API still takes Kafka's deprecated OffsetResetStrategy
  static void build(StreamExecutionEnvironment env, TrainerOptions options,
      UnaryOperator<DataStream<FeaturizedExample>> beforeTraining) {
    Preflight.check(options);
    env.configure(jobConfiguration(options));
    TrainerTopics topics = options.topics();
    boolean deterministic = options.deterministic();
    KafkaSourceBuilder<RawRecord> sourceBuilder = KafkaSource.<RawRecord>builder()
        .setBootstrapServers(options.kafka().bootstrapServers())
        .setTopics(topics.input().name())
        .setGroupId(options.groupId())
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawRecordDeserializer(options.feederNice()))
        .setProperty("isolation.level", "read_committed")
        .setProperty("partition.discovery.interval.ms", options.bounded() ? "-1" : "10000");
    options.kafka().security().forEach(sourceBuilder::setProperty);
    if (options.bounded()) {
      sourceBuilder.setBounded(OffsetsInitializer.latest());
    }

    KafkaSource<RawRecord> kafka = sourceBuilder.build();
    Source<RawRecord, ?, ?> input = options.bounded()
        ? new FinishingBoundedSource<>(kafka, kafka.getProducedType())
        : kafka;
    SingleOutputStreamOperator<RawRecord> source = env
        .fromSource(input, WatermarkStrategy.noWatermarks(), "source: " + topics.input().name(),
            kafka.getProducedType())
        .uid("source-training-examples");
    DataStream<RawRecord> raw = source;
    if (deterministic) {
      // One reader of one partition, chained to one decoder: records reach the trainer in offset order.
      source.setParallelism(1);
    } else {
      raw = source.rebalance();
    }

    ModelConfig model = model(options);
    Featurizer featurizer = new Featurizer(model.featureSpec());
    SingleOutputStreamOperator<FeaturizedExample> featurized = raw
        .process(new DecodeAndFeaturize(featurizer, options.featureCacheBytes(), options.feederNice(),
            model.negatives().skipAbove()))
        .returns(TypeInformation.of(FeaturizedExample.class))
        .setParallelism(deterministic ? 1 : options.decodeParallelism())
        .name("decode and featurize")
        .uid("decode-featurize");

    featurized.getSideOutput(DecodeAndFeaturize.DEAD_LETTERS)
        .sinkTo(sink(options, topics.deadLetters(), "deadletter"))
        .name("sink: " + topics.deadLetters().name())
        .uid("sink-deadletter-trainer");

    SingleOutputStreamOperator<EncodedRecord> metrics = beforeTraining.apply(featurized)
        .transform("train " + options.modelName(), TypeInformation.of(EncodedRecord.class),
            new TrainingOperator(options.withModel(model)))
        .setParallelism(1)
        .setMaxParallelism(1)
        .uid(CheckpointLocator.TRAINING_OPERATOR_UID);

    metrics.sinkTo(sink(options, topics.metrics(), "metrics"))
        .setParallelism(1)
        .name("sink: " + topics.metrics().name())
        .uid("sink-training-metrics");
    metrics.getSideOutput(TrainingOperator.VERSIONS)
        .sinkTo(sink(options, topics.versions(), "versions"))
        .setParallelism(1)
        .name("sink: " + topics.versions().name())
        .uid("sink-model-versions");
  }

  /** Runs the job in a Flink MiniCluster in this process and waits for it (forever unless bounded). */
  public static JobExecutionResult runLocal(TrainerOptions options) throws Exception {
    return runLocal(options, new Configuration(), UnaryOperator.identity());
  }

  /**
   * As {@link #runLocal(TrainerOptions)}, with more of Flink's settings for the MiniCluster (a metrics
   * reporter, say); the job's own settings win where both set a key.
   */
  public static JobExecutionResult runLocal(TrainerOptions options, Configuration cluster) throws Exception {
    return runLocal(options, cluster, UnaryOperator.identity());
  }

  static JobExecutionResult runLocal(TrainerOptions options,
      UnaryOperator<DataStream<FeaturizedExample>> beforeTraining) throws Exception {
    return runLocal(options, new Configuration(), beforeTraining);
  }

  private static JobExecutionResult runLocal(TrainerOptions options, Configuration cluster,
      UnaryOperator<DataStream<FeaturizedExample>> beforeTraining) throws Exception {
    Configuration conf = new Configuration(cluster);
    conf.addAll(configuration(options));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism(options), conf);
    build(env, options, beforeTraining);
    return env.execute(jobName(options));
  }

  static String jobName(TrainerOptions options) {
    return "dualstream trainer: " + options.modelName();
  }

  private static int parallelism(TrainerOptions options) {
    return options.deterministic() ? 1 : Math.max(1, options.decodeParallelism());
  }

  /**
   * Submits the job to a Flink session cluster through Flink's client and waits for it (forever unless
   * bounded). {@code jobManager} is the JobManager's REST address, {@code HOST:PORT}. The job's own classes
   * travel as {@link #jobJars}; the cluster's class path must hold the libraries they use (Flink, its Kafka
   * connector, DJL with its PyTorch natives, Avro), as a Flink image's {@code lib/} folder would. Every path
   * in {@code options} is read and written by the TaskManagers, so the checkpoint directory and the model
   * store must be on a filesystem they share.
   */
  public static JobExecutionResult runOnCluster(TrainerOptions options, String host, int restPort)
      throws Exception {
    StreamExecutionEnvironment env = clusterEnvironment(options, host, restPort, jobJars());
    build(env, options);
    return env.execute(jobName(options));
  }

  /**
   * A client of the session cluster at {@code host:restPort} that submits jobs with {@code jars} as their
   * user code, and the parallelism {@link #runLocal} would use.
   */
  static StreamExecutionEnvironment clusterEnvironment(TrainerOptions options, String host, int restPort,
      List<Path> jars) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(host, restPort,
        configuration(options), jars.stream().map(Path::toString).toArray(String[]::new));
    env.setParallelism(parallelism(options));
    return env;
  }

  /**
   * The jars that hold the job's own code: the trainer's and those of the two modules it depends on (schemas,
   * embedding-cache). Nothing else: third-party libraries are the cluster's, so that DJL's classes and its
   * native library load once per TaskManager JVM, not once per job (a native library binds to one class
   * loader), whatever order of class loading the cluster uses.
   *
   * @throws IllegalStateException if those classes were not loaded from jars (run from a build directory)
   */
  public static List<Path> jobJars() {
    List<Path> jars = new ArrayList<>();
    for (Class<?> module : List.of(TrainerJob.class, Topic.class, NegativeCache.class)) {
      Path jar = codeSource(module);
      if (!Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
        throw new IllegalStateException("the job's classes (" + module.getName() + ") are in " + jar
            + ", not a jar; package the project (./mvnw package) to submit the job to a cluster");
      }
      if (!jars.contains(jar)) {
        jars.add(jar);
      }
    }
    return List.copyOf(jars);
  }

  private static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
    }
  }

  /**
   * Submits the job to the Flink cluster this process runs in and waits for it: application mode, where the
   * Flink Kubernetes Operator starts the entry class inside the JobManager. Where checkpoints are stored and
   * which savepoint to restore from are the cluster's (the FlinkDeployment's configuration and upgrade mode
   * set them), so the job sets only the rest of {@link #jobConfiguration}.
   *
   * @throws IllegalArgumentException when checkpoints are incremental: their links go to a local directory,
   *     which a TaskManager restarted on another pod would not find
   */
  public static JobExecutionResult runAsApplication(TrainerOptions options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(clusterConfiguration(options));
    build(env, options);
    return env.execute("dualstream trainer: " + options.modelName());
  }

  /** {@link #jobConfiguration} without the checkpoint storage and its directory, which the cluster sets. */
  static Configuration clusterConfiguration(TrainerOptions options) {
    if (options.checkpoints().incremental()) {
      throw new IllegalArgumentException("incremental checkpoints write their links to a local directory, which "
          + "a restarted TaskManager on another pod would not find; on a cluster the trainer's whole state goes "
          + "into Flink's checkpoints: --full-checkpoint-every 0");
    }
    if (options.checkpoints().restore().isPresent()) {
      throw new IllegalArgumentException("on a cluster the savepoint to restore from is the cluster's "
          + "(the FlinkDeployment's job.initialSavepointPath or its upgrade mode), not the job's");
    }
    Configuration conf = jobConfiguration(options);
    conf.removeConfig(CheckpointingOptions.CHECKPOINT_STORAGE);
    conf.removeConfig(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
    return conf;
  }

  /**
   * Everything the job needs from Flink's configuration: {@link #jobConfiguration} plus the
   * checkpoint or savepoint to restore from, which must be known when the job is submitted.
   */
  public static Configuration configuration(TrainerOptions options) {
    Configuration conf = jobConfiguration(options);
    options.checkpoints().restore().ifPresent(path ->
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toAbsolutePath().toUri().toString()));
    return conf;
  }

  /**
   * Exactly-once checkpoints to the filesystem (retained on cancel, the newest few kept), a
   * bounded number of consecutive checkpoint failures before failing over, and fixed-delay
   * restarts: a finite restart budget, so a job that cannot recover fails instead of looping.
   * Network buffers are flushed after {@link #BUFFER_TIMEOUT} at the latest (see there).
   */
  static Configuration jobConfiguration(TrainerOptions options) {
    CheckpointSettings c = options.checkpoints();
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, c.directory().toAbsolutePath().toUri().toString());
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, c.interval());
    conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, c.timeout());
    conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    conf.set(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, 1);
    conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, c.tolerableFailures());
    conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, c.retained());
    conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    conf.set(ExecutionOptions.BUFFER_TIMEOUT, BUFFER_TIMEOUT);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, c.restartAttempts());
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, c.restartDelay());
    return conf;
  }

  /** The model as configured, with one compute thread in deterministic mode. */
  private static ModelConfig model(TrainerOptions options) {
    return options.deterministic() ? options.model().toBuilder().threads(1).build() : options.model();
  }

  private static KafkaSink<EncodedRecord> sink(TrainerOptions options, Topic<String, ?> topic, String role) {
    String name = topic.name();
    KafkaRecordSerializationSchema<EncodedRecord> serializer =
        (element, context, timestamp) -> new ProducerRecord<>(name, element.key, element.value);
    KafkaSinkBuilder<EncodedRecord> builder = KafkaSink.<EncodedRecord>builder()
        .setBootstrapServers(options.kafka().bootstrapServers())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(options.groupId() + "-" + role)
        .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
            Long.toString(options.checkpoints().transactionTimeout().toMillis()));
    options.kafka().security().forEach(builder::setProperty);
    return builder.build();
  }
}
