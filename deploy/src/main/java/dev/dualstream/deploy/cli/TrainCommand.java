package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.evaluator.experiment.ExperimentSetting;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.CorruptCheckpointException;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.client.JobCancellationException;
import dev.dualstream.trainer.job.TrainerTopics;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.encoder.TransformerSpec;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream train}: the training job against a running broker, with exactly-once checkpoints. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    defaultValueProvider = TrainCommand.Defaults.class,
    sortOptions = false,
    description = {
        "Trains the dual encoder from training.examples on a running Kafka broker,",
        "in a Flink MiniCluster in this process (or, with --jobmanager, on a Flink",
        "session cluster), and publishes versions to the model store and",
        "models.versions. Every checkpoint holds the model, its optimizer",
        "state, the partial batch, the counters and the input offsets together, so",
        "after a failure or a restart from a checkpoint every example is applied",
        "exactly once; metrics and versions go out in Kafka transactions (read them",
        "with isolation.level=read_committed). Checkpoints are retained when the",
        "job stops; restart from one with --from-checkpoint.",
        ""})
final class TrainCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Mixin
  private LiveOptions.Progress progress;

  @Option(names = "--model-store", paramLabel = "DIR",
      description = "Where versions are written, one directory per version. Default: ${DEFAULT-VALUE}.")
  private Path modelStore;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "Where checkpoints go (one subdirectory per job run); retained when the job stops. "
          + "Default: ${DEFAULT-VALUE}.")
  private Path checkpointDir;

  @Option(names = "--checkpoint-interval", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Time between checkpoints (e.g. 500ms, 30s, 5m). Output becomes visible to read_committed "
          + "readers once per interval, and a --bounded run waits up to one interval at its end. Default: ${DEFAULT-VALUE}.")
  private Duration checkpointInterval;

  @Option(names = "--full-checkpoint-every", paramLabel = "N",
      description = "Incremental checkpoints: each writes the trainer's state as a link in CHECKPOINT-DIR/trainer-links,"
          + " the table rows changed since the previous one and the small state, copied at the barrier and written by"
          + " a thread of its own while training goes on; when a chain has N links the next is a full one, compacted"
          + " from the chain off the training thread. 0: the whole state in every checkpoint, written while training"
          + " waits. Links no retained checkpoint needs are deleted. Default: ${DEFAULT-VALUE}.")
  private int fullCheckpointEvery;

  @Option(names = "--from-checkpoint", paramLabel = "PATH",
      description = "Restore from a retained checkpoint or a savepoint: its directory or _metadata file, or a "
          + "directory of checkpoints (the newest is taken, e.g. var/checkpoints). It is verified first.")
  private Path fromCheckpoint;

  @Option(names = "--fallback",
      description = "With --from-checkpoint: if the chosen checkpoint is damaged, restore from the newest older one "
          + "that verifies. Output written after that checkpoint may then be repeated.")
  private boolean fallback;

  @Option(names = "--deterministic",
      description = "Same input, bit-identical parameters: one source, decoder and trainer subtask in offset order, "
          + "one compute thread. The input topic must have one partition.")
  private boolean deterministic;

  @Option(names = "--bounded",
      description = "Stop at the end offsets seen at start and publish a final version, instead of running forever.")
  private boolean bounded;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--batch-size", paramLabel = "N", description = "Training pairs per optimizer step. "
      + "Default: ${DEFAULT-VALUE}.")
  private Integer batchSize;

  @Option(names = "--version-every", paramLabel = "STEPS",
      description = "Publish a version every STEPS steps; 0: only at the end of a --bounded run. Default: ${DEFAULT-VALUE}.")
  private int versionEvery;

  @Option(names = "--version-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "And no sooner than DURATION after the previous version (e.g. 30s, 5m), so that a trainer catching"
          + " up on a backlog does not write a version every second; a version also waits until the previous one is"
          + " written. Default: ${DEFAULT-VALUE}.")
  private Duration versionInterval;

  @Option(names = "--metrics-every", paramLabel = "STEPS",
      description = "Report training.metrics every STEPS steps. Default: ${DEFAULT-VALUE}.")
  private int metricsEvery;

  @Option(names = "--group-id", paramLabel = "ID",
      description = "Consumer group of the input, and prefix of the sinks' transactional ids. Default: ${DEFAULT-VALUE}.")
  private String groupId;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "",
      description = "Put every topic name under PREFIX (e.g. staging.). Default: none.")
  private String topicPrefix;

  @Option(names = "--transaction-timeout", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Kafka transaction timeout of the exactly-once sinks; checked at start against the checkpoint "
          + "timings and the broker's transaction.max.timeout.ms. Default: ${DEFAULT-VALUE}.")
  private Duration transactionTimeout;

  @Option(names = "--table-optimizer", paramLabel = "KIND",
      description = "Lazy optimizer of the embedding table: ${COMPLETION-CANDIDATES}, each with its own learning "
          + "rate (Adagrad 0.1, Adam 1e-3). A checkpoint restores only with the optimizer it was trained with: "
          + "ADAM for models trained before Adagrad became the default. Default: ${DEFAULT-VALUE}.")
  private TableOptimizer.Kind tableOptimizer;

  @Option(names = "--negatives", paramLabel = "SETTING", defaultValue = "in-batch",
      description = "Where each query's negatives come from, named as in `experiment negatives`: in-batch, "
          + "in-batch-logq, in-batch+uniform, or a negative cache [in-batch+]cache-M[-topK][-oldestR] of M "
          + "entries (for example cache-16384-top64-oldest1024: the best of that experiment); any of them "
          + "followed by +skip-above adds the 3 results shown nearest above the click and not clicked (what "
          + "`up` trains with: cache-16384-top64-oldest1024+skip-above). Its state is checkpointed with the "
          + "model, so a restore needs the same setting. Default: ${DEFAULT-VALUE}.")
  private String negatives;

  @Option(names = "--encoder", paramLabel = "ENCODER", defaultValue = "bag",
      description = "The tower over the hashed ids: " + TransformerSpec.SYNTAX + ". bag: the mean of the ids' "
          + "rows and an MLP (the fast default). transformer: the ids in order through Transformer blocks "
          + "(2 layers, 4 heads, width 64, feed-forward 256 unless set), a few hundred times the bag's compute "
          + "per example; topk=K keeps each token's K largest feed-forward activations. Default: ${DEFAULT-VALUE}.")
  private String encoder;

  @Option(names = "--clicked-memory", paramLabel = "N",
      description = "Remember the documents the users of up to N queries clicked (the newest 4 per query) and "
          + "never draw them as negatives of those queries; `experiment negatives` uses 262144. 0: off. "
          + "Default: ${DEFAULT-VALUE}.")
  private int clickedMemory;

  @Option(names = "--keep-versions", paramLabel = "N",
      description = "Committed versions the model store keeps, the newest, besides any a running evaluator or "
          + "simulator still reads (it holds a lease in the version's .leases directory); older ones are deleted as "
          + "new ones commit. A version takes 256 MB at default sizes. 0 keeps every version. "
          + "Default: ${DEFAULT-VALUE}.")
  private int keepVersions;

  @Option(names = "--student", paramLabel = "SPEC",
      description = "Also train a distilled student in the same steps, learning from this model's scores over the "
          + "candidates it draws (repeat for more): its own model in the store, with its own versions (at this "
          + "model's steps, naming the version they learned beside) and metrics. SPEC: " + StudentSpec.SYNTAX
          + ". Without keys: a quarter of this model's buckets and under a quarter of its parameters, KL at "
          + "temperature 4 mixed half and half with clicks (the best of `experiment distill`); teacher=joint makes "
          + "it learn from a joint teacher trained beside this model (an MLP over both embeddings and the texts' "
          + "exact matches, checkpointed with it). `experiment distill` compares the losses.")
  private List<String> students = new ArrayList<>();

  @Mixin
  private FeedingOptions feeding;

  @Mixin
  private ReplayOptions replay;

  @Mixin
  private WeightingOptions weighting;

  @Option(names = "--submit",
      description = "Run the job on the Flink cluster this process was started in instead of a MiniCluster: the "
          + "entry of application mode (the Flink Kubernetes Operator's FlinkDeployment, see deploy/k8s). The "
          + "cluster's configuration then sets the checkpoint storage, the savepoint to restore from and the "
          + "metrics reporter; checkpoints must be full (--full-checkpoint-every 0).")
  private boolean submit;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "" + MetricsEndpoint.TRAIN_PORT,
      description = "Serve Flink's metrics (the job's and the trainer's: examples applied, steps, step time, "
          + "click-to-step freshness) through Flink's Prometheus reporter on http://0.0.0.0:PORT/metrics; 0: none. "
          + "Without --jobmanager only: a session cluster's reporters are in its own configuration. "
          + "Default: ${DEFAULT-VALUE}.")
  private int metricsPort;

  @Option(names = "--jobmanager", paramLabel = "HOST:PORT",
      description = "Submit the job through Flink's client to the session cluster whose JobManager serves its "
          + "REST API at HOST:PORT (e.g. 127.0.0.1:8081, what `dualstream cluster` starts) instead of running a "
          + "MiniCluster here. The job's own jars go with it; the cluster's class path must hold the libraries. "
          + "The TaskManagers write the checkpoints and versions, so --checkpoint-dir and --model-store must be "
          + "paths they share. This command waits for the job; Ctrl-C leaves it running on the cluster.")
  private String jobManager;

  @Override
  public Integer call() throws Exception {
    progress.check();
    PrintWriter out = spec.commandLine().getOut();
    Optional<JobManagerAddress> remote = jobManager == null ? Optional.empty()
        : Optional.of(JobManagerAddress.parse("--jobmanager", jobManager));
    TrainerOptions options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (submit) {
      if (remote.isPresent()) {
        throw new UserError("--submit runs inside a Flink cluster; --jobmanager submits to one: give one of them");
      }
      return submitted(options, out);
    }
    if (remote.isPresent()) {
      remote.get().requireAnswers("--jobmanager");
      // The TaskManagers resolve these, from their own working directories.
      options = options.withModelStore(options.modelStore().toAbsolutePath())
          .withCheckpoints(options.checkpoints().withDirectory(options.checkpoints().directory().toAbsolutePath()));
    }
    if (fromCheckpoint != null) {
      CheckpointLocator.Verified restore = verified(fromCheckpoint);
      restore.skipped().forEach(line -> out.println("train: skipped: " + line));
      out.printf("train: restoring from %s (checkpoint %d: step %,d, %,d examples applied)%n", restore.directory(),
          restore.checkpointId(), restore.state().steps(), restore.state().examplesApplied());
      options = options.withCheckpoints(options.checkpoints().withRestoreFrom(restore.directory()));
    }
    out.printf("train: %s from %s on %s; checkpoints every %s in %s%s%n", options.modelName(),
        options.topics().input().name(), options.kafka(), DurationConverter.format(checkpointInterval),
        checkpointDir, remote.map(c -> "; on the Flink cluster at " + c).orElse(""));
    try (TrainingProgress lines = TrainingProgress.start(options.kafka(), options.topics().metrics(),
        progress.every, out)) {
      if (remote.isPresent()) {
        runOnCluster(options, remote.get());
      } else {
        TrainerJob.runLocal(options, cluster());
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.printf("train: done; versions in %s%n", modelStore.resolve(options.modelName()));
    return 0;
  }

  /** Application mode: the job goes to the cluster this process runs in; progress is on the cluster's metrics. */
  private int submitted(TrainerOptions options, PrintWriter out) throws Exception {
    if (fromCheckpoint != null) {
      throw new UserError("--submit takes the savepoint to restore from from the cluster, not --from-checkpoint");
    }
    out.printf("train: %s from %s on %s, submitted to this Flink cluster%n", options.modelName(),
        options.topics().input().name(), options.kafka());
    try {
      TrainerJob.runAsApplication(options);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    return 0;
  }

  /** Session mode: the job goes to the cluster at {@code cluster} with its own jars; this command waits. */
  private static void runOnCluster(TrainerOptions options, JobManagerAddress cluster) throws Exception {
    try {
      TrainerJob.jobJars();
    } catch (IllegalStateException e) {
      throw new UserError("--jobmanager: " + e.getMessage());
    }
    try {
      TrainerJob.runOnCluster(options, cluster.host(), cluster.port());
    } catch (Exception e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof JobCancellationException) {
          throw new UserError("the job was cancelled on the Flink cluster at " + cluster + "; its checkpoints are "
              + "retained in " + options.checkpoints().directory() + " (--from-checkpoint resumes from them)");
        }
      }
      throw e;
    }
  }

  /** The MiniCluster's settings beyond the job's: Flink's Prometheus reporter, unless --metrics-port 0. */
  private Configuration cluster() {
    Configuration conf = new Configuration();
    if (LiveOptions.requireMetricsPort(metricsPort) > 0) {
      conf.setString("metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER);
      conf.setString("metrics.reporter.prom.port", Integer.toString(metricsPort));
    }
    return conf;
  }

  /** Flink's Prometheus reporter (flink-metrics-prometheus, on the class path). */
  static final String PROMETHEUS_REPORTER = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

  TrainerOptions options() {
    ModelConfig.Builder model = ModelConfig.defaults().toBuilder().tableOptimizerWithItsLearningRate(tableOptimizer)
        .negatives(negativeConfig().withClickedMemory(clickedMemory))
        .loss(weighting.applyTo(ModelConfig.defaults().loss()))
        .transformer(TransformerSpec.parseEncoder(encoder));
    if (batchSize != null) {
      model.batchSize(batchSize);
    }
    CheckpointSettings checkpoints = CheckpointSettings.defaults()
        .withDirectory(checkpointDir)
        .withInterval(checkpointInterval)
        .withTransactionTimeout(transactionTimeout)
        .withFullEvery(fullCheckpointEvery);
    ModelConfig built = model.build();
    List<StudentSpec> taught = new ArrayList<>();
    for (String student : students) {
      taught.add(StudentSpec.parse(student, built));
    }
    return TrainerOptions.defaults(kafka.connection())
        .withModelStore(modelStore)
        .withGroupId(groupId)
        .withBounded(bounded)
        .withSeed(seed.value)
        .withModel(built)
        .withIntervals(metricsEvery, versionEvery)
        .withVersionInterval(versionInterval)
        .withTopics(topicPrefix.isEmpty() ? TrainerTopics.defaults() : TrainerTopics.prefixed(topicPrefix))
        .withDeterministic(deterministic)
        .withFeatureCacheMb(feeding.featureCacheMb)
        .withFeederNice(feeding.feederNice)
        .withReplay(replay.settings())
        .withKeepVersions(keepVersions)
        .withStudents(taught)
        .withCheckpoints(checkpoints);
  }

  /**
   * The defaults of the options that set {@link TrainerOptions}, read from {@link TrainerOptions#defaults}: declared
   * once, there, and shown by {@code --help} as they are.
   */
  static final class Defaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      TrainerOptions d = TrainerOptions.defaults(KafkaConnection.plaintext(LiveOptions.DEFAULT_BOOTSTRAP_SERVERS));
      CheckpointSettings c = d.checkpoints();
      return switch (option.longestName()) {
        case "--model-store" -> d.modelStore().toString();
        case "--checkpoint-dir" -> c.directory().toString();
        case "--checkpoint-interval" -> DurationConverter.format(c.interval());
        case "--full-checkpoint-every" -> Integer.toString(c.fullEvery());
        case "--transaction-timeout" -> DurationConverter.format(c.transactionTimeout());
        case "--version-every" -> Integer.toString(d.versionEverySteps());
        case "--version-interval" -> DurationConverter.format(d.versionInterval());
        case "--metrics-every" -> Integer.toString(d.metricsEverySteps());
        case "--group-id" -> d.groupId();
        case "--table-optimizer" -> d.model().tableOptimizer().name();
        case "--clicked-memory" -> Integer.toString(d.model().negatives().clickedMemory());
        case "--keep-versions" -> Integer.toString(d.keepVersions());
        case "--batch-size" -> Integer.toString(d.model().batchSize());
        case "--threads" -> Integer.toString(d.model().threads());
        case "--buckets" -> Integer.toString(d.model().buckets());
        default -> null;
      };
    }
  }

  /** The named setting of {@code --negatives}. */
  private NegativeConfig negativeConfig() {
    NegativeConfig config = ExperimentSetting.named(negatives).negatives();
    if (config.corpusRefreshSteps() > 0) {
      throw new IllegalArgumentException("--negatives " + negatives + ": full softmax over the corpus is an "
          + "experiment's ceiling, not a way to train on a stream");
    }
    return config;
  }

  private CheckpointLocator.Verified verified(Path path) {
    try {
      return CheckpointLocator.resolve(path, fallback);
    } catch (CorruptCheckpointException e) {
      throw new UserError("--from-checkpoint " + path + ": " + e.getMessage()
          + (fallback ? "" : " (--fallback restores from the newest older checkpoint that verifies)"));
    } catch (IllegalArgumentException e) {
      throw new UserError("--from-checkpoint " + path + ": " + e.getMessage());
    }
  }
}
