package dev.dualstream.deploy.bench;

import dev.dualstream.deploy.stack.ElapsedLines;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.WorkDirectory;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.trainer.bench.Lockstep;
import dev.dualstream.trainer.bench.TrainerBenchResult;
import dev.dualstream.trainer.bench.TrainerBenchmark;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.StepGate;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import dev.dualstream.trainer.job.TrainerTopics;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The whole streaming path, timed: a Kafka broker (child process), the training job (Flink
 * MiniCluster in this JVM: Kafka source, parallel decode and featurize, the training operator) and
 * a replayer publishing pre-recorded training examples as ingest would.
 *
 * <p>Two phases. (1) Throughput, in paired windows: a backlog of examples is published before the
 * job starts; the job then takes turns with the bare training loop (same model, threads and
 * pairs, in memory, on a thread of this JVM) while the other waits: the job's steps are held by
 * {@link StepGate}, the bare loop waits for its turn. The first half of the backlog warms the job
 * up (the JIT compiling Flink, Kafka and Avro code); the second half is cut into as many stretches
 * as there are bare-loop windows less one, each timed from a tenth of the way in to its end, and
 * each between two bare-loop windows. Each stretch's rate over the mean of its two neighbours is
 * one paired ratio, and the result is their median: the machine's speed drifts by 10-20% from
 * minute to minute, and windows a few seconds apart see the same machine where runs minutes apart
 * do not. (2) Freshness: examples are published at a fixed rate, stamped with the time they are
 * sent, and the trainer's click-to-step histogram gives the percentiles over the last minute of
 * steps. Checkpoints are set further apart than the run lasts by default, so that the figures
 * measure the plumbing, not the snapshots of the exactly-once path: a snapshot of the benchmark
 * model writes about 0.8 GB and holds the trainer for 1.5 to 2.2 s, which a shorter {@code
 * --checkpoint-interval} shows in the freshness tail.
 */
public final class PipelineBenchmark {

  /** Names of the training operator's metrics (see the trainer's job package). */
  private static final String APPLIED_METRIC = "examples_applied";
  private static final String STEP_MS_METRIC = "trainer_step_ms";
  private static final String BETWEEN_STEPS_MS_METRIC = "trainer_between_steps_ms";
  private static final String FRESHNESS_METRIC = "click_to_step_ms";
  private static final String CACHE_HIT_METRIC = "featureCacheHitRate";
  private static final String CHECKPOINTS_METRIC = "checkpoints_taken";
  private static final String CHECKPOINT_BYTES_METRIC = "checkpoint_bytes";
  private static final String CHECKPOINT_ROWS_METRIC = "checkpoint_rows";
  private static final String CHECKPOINT_BARRIER_METRIC = "checkpoint_barrier_time_ms";
  private static final String CHECKPOINT_MS_METRIC = "checkpoint_ms";
  private static final String CHECKPOINT_BLOCKED_MS_METRIC = "checkpoint_blocked_ms";
  /** Enough for the JIT to finish with the step in a fresh JVM (at 60 the first run was 15-25% slow). */
  private static final int BARE_WARMUP_STEPS = 400;
  /** About two seconds of the bare loop, as long as a stretch of the job. */
  private static final int BARE_WINDOW_STEPS = 200;
  /** A held job's last step and its buffers' refill end within this; the other side starts after it. */
  private static final long SETTLE_MS = 300;
  private static final double FRESHNESS_WINDOW_S = 60;
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
  private static final String PIPELINE = "pipeline";
  private static final String BARE = "bare";

  private final PipelineBenchOptions options;
  private final ElapsedLines lines;

  private PipelineBenchmark(PipelineBenchOptions options, Consumer<String> progress) {
    this.options = options;
    this.lines = new ElapsedLines(progress);
  }

  /** Runs the benchmark, reporting progress lines; everything started is stopped at the end. */
  public static PipelineBenchResult run(PipelineBenchOptions options, Consumer<String> progress) {
    return new PipelineBenchmark(options, progress).run();
  }

  private PipelineBenchResult run() {
    double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    BeirDataset dataset = BeirReader.read(options.dataset());
    List<BenchPairs.TextPair> texts = BenchPairs.texts(dataset, "train", options.seed());
    // train's default model (TrainerOptions.defaults), with the batch size and threads asked for
    ModelConfig config = ModelConfig.defaults().toBuilder()
        .batchSize(options.batchSize()).threads(options.threads()).buckets(options.buckets()).build();
    List<List<TrainingPair>> batches = TrainerBenchmark.batches(
        BenchPairs.featurize(texts, new Featurizer(config.featureSpec())), config.batchSize());

    Path work = options.workDir().toAbsolutePath();
    WorkDirectory.empty(work);
    BenchMetrics.clear();
    TrainerTopics topics = TrainerTopics.defaults();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(work.resolve(WorkDirectory.KAFKA))
        .port(options.kafkaPort()).start()) {
      String bootstrap = broker.bootstrapServers();
      say("kafka broker ready on %s (log %s)", bootstrap, broker.logFile());
      KafkaBrokerProcess.createTopics(bootstrap, 2, topics.input());
      KafkaBrokerProcess.createTopics(bootstrap, 1, topics.metrics(), topics.versions(), topics.deadLetters());
      try (ExampleReplayer replayer = new ExampleReplayer(bootstrap, topics.input(), texts)) {
        replayer.burst(options.backlog());
        say("backlog: %,d examples published", options.backlog());
        StepGate.close();
        Paired paired;
        Freshness freshness;
        JobClient job = null;
        try {
          job = startJob(bootstrap, config, work);
          paired = paired(job, config, batches, work);
          StepGate.open();
          freshness = freshness(job, replayer, bootstrap, topics, config.modelName());
        } finally {
          StepGate.open();
          if (job != null) {
            cancel(job);
          }
        }
        return new PipelineBenchResult(median(paired.bareRates()), median(paired.pipelineRates()),
            median(paired.ratios()), paired.bareRates(), paired.pipelineRates(), paired.ratios(),
            options.backlog(), options.rate(), freshness.stats().size(),
            freshness.stats().getQuantile(0.5), freshness.stats().getQuantile(0.99),
            freshness.stats().getMax(), FRESHNESS_WINDOW_S, freshness.applyRate(),
            options.decodeParallelism(), config.buckets(), config.batchSize(), config.threads(), options.feederNice(),
            options.checkpointInterval().toSeconds(), loadStart,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
            paired.cpuMicrosPerExample(), featureCacheHitRate(), paired.trainerBusyShare(),
            paired.bareCpuMicrosPerExample(), options.fullCheckpointEvery(), freshness.checkpoints().bytes(),
            freshness.checkpoints().rows(),
            freshness.checkpoints().ms(), freshness.checkpoints().blockedMs(), freshness.checkpoints().inWindow(),
            options.versionEverySteps(), freshness.clickToVersion());
      }
    }
  }

  /**
   * The throughput phase's figures: per bare-loop window and per stretch of the job, the rates in
   * the order they ran, each stretch's paired ratio, and where the CPU went in each.
   */
  private record Paired(List<Double> bareRates, List<Double> pipelineRates, List<Double> ratios,
      Map<String, Double> cpuMicrosPerExample, double trainerBusyShare, double bareCpuMicrosPerExample) {}

  /**
   * The freshness histogram's statistics, the trainer's rate while they were taken, the checkpoints meanwhile,
   * click-to-version of the examples of the window.
   */
  private record Freshness(HistogramStatistics stats, double applyRate, Checkpoints checkpoints,
      ClickToVersion.Figures clickToVersion) {}

  /** Each checkpoint the trainer took while they were watched, from its gauges. */
  private record Checkpoints(List<Long> bytes, List<Long> rows, List<Long> ms, List<Long> blockedMs,
      List<Boolean> inWindow) {}

  /**
   * Polls the trainer's checkpoint gauges on a thread of its own and records each new checkpoint: at the
   * default interval one checkpoint at most falls between two polls 50 ms apart.
   */
  private static final class CheckpointWatch implements AutoCloseable {
    private final List<Long> bytes = new java.util.ArrayList<>();
    private final List<Long> rows = new java.util.ArrayList<>();
    private final List<Long> ms = new java.util.ArrayList<>();
    private final List<Long> blocked = new java.util.ArrayList<>();
    private final List<Long> barriers = new java.util.ArrayList<>();
    private final Thread thread;
    private volatile long windowFrom = Long.MAX_VALUE;
    private volatile long windowTo = Long.MAX_VALUE;
    private volatile boolean running = true;

    CheckpointWatch() {
      thread = new Thread(this::watch, "bench-checkpoint-watch");
      thread.setDaemon(true);
      thread.start();
    }

    private void watch() {
      long seen = gauge(CHECKPOINTS_METRIC);
      while (running) {
        long now = gauge(CHECKPOINTS_METRIC);
        if (now != seen) {
          synchronized (this) {
            bytes.add(gauge(CHECKPOINT_BYTES_METRIC));
            rows.add(gauge(CHECKPOINT_ROWS_METRIC));
            ms.add(gauge(CHECKPOINT_MS_METRIC));
            blocked.add(gauge(CHECKPOINT_BLOCKED_MS_METRIC));
            barriers.add(gauge(CHECKPOINT_BARRIER_METRIC));
          }
          seen = now;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** The measured window starts, or ends, now. */
    void window(boolean inside) {
      if (inside) {
        windowFrom = System.currentTimeMillis();
      } else {
        windowTo = System.currentTimeMillis();
      }
    }

    synchronized Checkpoints result() {
      // In the window: its barrier reached the trainer while the window's examples were arriving.
      List<Boolean> inWindow = barriers.stream().map(b -> b >= windowFrom && b <= windowTo).toList();
      return new Checkpoints(List.copyOf(bytes), List.copyOf(rows), List.copyOf(ms), List.copyOf(blocked), inWindow);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(1_000);
    }
  }

  /**
   * Alternates the bare loop and the job: bare warm-up, job warm-up (half the backlog), then bare
   * window, job stretch, bare window, ..., bare window. Called with the gate closed.
   */
  private Paired paired(JobClient job, ModelConfig config, List<List<TrainingPair>> batches, Path work) {
    int stretches = options.bareWindows() - 1;
    long warmup = options.backlog() / 2;
    // A partial last batch is never applied, and a held job may run a few steps past a target:
    // the stretches share what is left after the warm-up, up to a few batches before the end.
    long end = options.backlog() - 4L * config.batchSize();
    long stretch = (end - warmup) / stretches;
    Path turns = work.resolve("turns");
    write(turns, BARE);
    Lockstep lockstep = new Lockstep(turns, PIPELINE, BARE);
    say("throughput: bare loop and job take turns: %d bare windows of %d steps, %d stretches of %,d examples"
        + " after a warm-up of %,d", options.bareWindows(), BARE_WINDOW_STEPS, stretches, stretch, warmup);
    CompletableFuture<TrainerBenchResult> bare = startBareLoop(config, batches, new Lockstep(turns, BARE, PIPELINE));

    awaitTurn(lockstep, bare, job);
    StepGate.open();
    waitForApplied(warmup, job);
    hold();
    say("throughput: job warmed up on %,d examples", applied());
    CpuProfile.Snapshot handedOver = CpuProfile.take();
    lockstep.pass();

    List<Double> pipelineRates = new ArrayList<>();
    CpuTally pipelineCpu = new CpuTally();
    CpuTally bareCpu = new CpuTally();
    long stepMs = 0;
    long betweenMs = 0;
    for (int k = 0; k < stretches; k++) {
      awaitTurn(lockstep, bare, job);
      bareCpu.add(handedOver, CpuProfile.take(), (long) BARE_WINDOW_STEPS * config.batchSize());
      long first = applied();
      long target = first + (end - first) / (stretches - k);
      StepGate.open();
      waitForApplied(first + (target - first) / 10, job);
      long timedFrom = applied();
      long from = System.nanoTime();
      CpuProfile.Snapshot cpuFrom = CpuProfile.take();
      long stepFrom = gauge(STEP_MS_METRIC);
      long betweenFrom = gauge(BETWEEN_STEPS_MS_METRIC);
      waitForApplied(target, job);
      long timedTo = applied();
      double seconds = (System.nanoTime() - from) / 1e9;
      pipelineCpu.add(cpuFrom, CpuProfile.take(), timedTo - timedFrom);
      stepMs += gauge(STEP_MS_METRIC) - stepFrom;
      betweenMs += gauge(BETWEEN_STEPS_MS_METRIC) - betweenFrom;
      hold();
      pipelineRates.add((timedTo - timedFrom) / seconds);
      say("throughput: stretch %d/%d: %.0f examples/s", k + 1, stretches, pipelineRates.get(k));
      handedOver = CpuProfile.take();
      lockstep.pass();
    }
    awaitTurn(lockstep, bare, job);
    bareCpu.add(handedOver, CpuProfile.take(), (long) BARE_WINDOW_STEPS * config.batchSize());
    lockstep.pass();
    List<Double> bareRates = join(bare).windowExamplesPerS();
    List<Double> ratios = new ArrayList<>();
    for (int k = 0; k < stretches; k++) {
      ratios.add(pipelineRates.get(k) / ((bareRates.get(k) + bareRates.get(k + 1)) / 2));
    }
    Paired paired = new Paired(bareRates, pipelineRates, ratios, pipelineCpu.microsPerExample(),
        stepMs + betweenMs == 0 ? Double.NaN : (double) stepMs / (stepMs + betweenMs),
        bareCpu.microsPerExample().getOrDefault(CpuProfile.TOTAL, Double.NaN));
    say("throughput: job %.0f examples/s, bare loop %.0f examples/s (medians); paired ratios %s, median %.3f",
        median(pipelineRates), median(bareRates), format(ratios), median(ratios));
    paired.cpuMicrosPerExample().forEach((role, micros) ->
        say("throughput: %6.1f us CPU per example in %s", micros, role));
    say("throughput: feature cache hit rate %.3f", featureCacheHitRate());
    say("throughput: the training thread was in steps %.1f%% of the time", 100 * paired.trainerBusyShare());
    return paired;
  }

  /** Starts the bare loop on its own thread; it takes its turns through {@code lockstep}. */
  private CompletableFuture<TrainerBenchResult> startBareLoop(ModelConfig config, List<List<TrainingPair>> batches,
      Lockstep lockstep) {
    TrainerBenchmark.Settings settings = new TrainerBenchmark.Settings(BARE_WARMUP_STEPS, BARE_WINDOW_STEPS,
        options.bareWindows(), options.seed());
    return CompletableFuture.supplyAsync(
        () -> TrainerBenchmark.run(config, batches, settings, lockstep, line -> say("bare loop: %s", line)),
        runnable -> {
          Thread thread = new Thread(runnable, "bench-bare-loop");
          thread.setDaemon(true);
          thread.start();
        });
  }

  /** Waits for this side's turn; fails if the bare loop or the job ended meanwhile. */
  private void awaitTurn(Lockstep lockstep, CompletableFuture<TrainerBenchResult> bare, JobClient job) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    long lastCheck = System.nanoTime();
    while (!lockstep.ready()) {
      if (bare.isDone()) {
        join(bare);
        throw new IllegalStateException("the bare loop ended before its last window");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the bare loop took more than " + DRAIN_TIMEOUT.toMinutes()
            + " minutes for one turn");
      }
      if (System.nanoTime() - lastCheck > 5_000_000_000L) {
        checkRunning(job);
        lastCheck = System.nanoTime();
      }
      sleep(5);
    }
  }

  private static TrainerBenchResult join(CompletableFuture<TrainerBenchResult> bare) {
    try {
      return bare.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the bare loop failed: " + e.getCause(), e.getCause());
    }
  }

  /** Closes the gate and waits until the job's last step and its buffers' refill are done. */
  private static void hold() {
    StepGate.close();
    sleep(SETTLE_MS);
  }

  /** Waits until the trainer has applied {@code target} examples, polling often so that timings are tight. */
  private void waitForApplied(long target, JobClient job) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    long lastReport = System.nanoTime();
    while (applied() < target) {
      long now = System.nanoTime();
      if (now > deadline) {
        throw new IllegalStateException("the job did not apply " + target + " examples within "
            + DRAIN_TIMEOUT.toMinutes() + " minutes; see var/logs");
      }
      if (now - lastReport > 5_000_000_000L) {
        say("throughput: %,d of %,d examples applied", applied(), target);
        checkRunning(job);
        lastReport = now;
      }
      sleep(2);
    }
  }

  /** CPU time per example by thread role, summed over several timed stretches. */
  private static final class CpuTally {
    private final Map<String, Double> micros = new LinkedHashMap<>();
    private long examples;

    void add(CpuProfile.Snapshot from, CpuProfile.Snapshot to, long stretchExamples) {
      CpuProfile.microsPerExample(from, to, stretchExamples)
          .forEach((role, perExample) -> micros.merge(role, perExample * stretchExamples, Double::sum));
      examples += stretchExamples;
    }

    Map<String, Double> microsPerExample() {
      Map<String, Double> out = new LinkedHashMap<>();
      micros.forEach((role, total) -> out.put(role, examples == 0 ? Double.NaN : total / examples));
      return out;
    }
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String format(List<Double> ratios) {
    return ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList().toString();
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private JobClient startJob(String bootstrap, ModelConfig config, Path work) {
    TrainerOptions trainer = TrainerOptions.defaults(KafkaConnection.plaintext(bootstrap))
        .withModel(config)
        .withModelStore(work.resolve("models"))
        .withGroupId("dualstream-bench")
        .withSeed(options.seed())
        .withDecodeParallelism(options.decodeParallelism())
        .withFeatureCacheMb(options.featureCacheMb())
        .withFeederNice(options.feederNice())
        .withIntervals(50, options.versionEverySteps())
        .withVersionInterval(options.versionInterval())
        .withCheckpoints(CheckpointSettings.defaults()
            .withDirectory(work.resolve("checkpoints"))
            .withInterval(options.checkpointInterval())
            .withTimeout(Duration.ofMinutes(1))
            .withFullEvery(options.fullCheckpointEvery()));
    Configuration conf = TrainerJob.configuration(trainer);
    // Flink starts the first checkpoint after a random delay between the minimum pause and the
    // interval; a minimum pause of one interval makes that a whole interval, so the default
    // interval keeps checkpoints out of the run.
    conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, options.checkpointInterval());
    BenchMetrics.configure(conf);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(options.decodeParallelism(), conf);
    TrainerJob.build(env, trainer);
    try {
      JobClient job = env.executeAsync("dualstream bench pipeline");
      say("training job started (Flink MiniCluster, %d decode subtasks)", options.decodeParallelism());
      return job;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the training job: " + e.getMessage(), e);
    }
  }

  private Freshness freshness(JobClient job, ExampleReplayer replayer, String bootstrap, TrainerTopics topics,
      String model) {
    say("freshness: replaying %.0f examples/s for %.0f s (the last %.0f s measured); a version every %d steps, %d s"
        + " apart at least", options.rate(), options.warmupSeconds() + FRESHNESS_WINDOW_S, FRESHNESS_WINDOW_S,
        options.versionEverySteps(), options.versionInterval().toSeconds());
    long appliedBefore;
    long before;
    Checkpoints checkpoints;
    HistogramStatistics stats;
    double applyRate;
    ClickToVersion clickToVersion = new ClickToVersion();
    try (CheckpointWatch watch = new CheckpointWatch();
        VersionWatch versions = new VersionWatch(bootstrap, topics, model, clickToVersion)) {
      replayer.paced(options.rate(), options.warmupSeconds());
      appliedBefore = applied();
      before = System.nanoTime();
      watch.window(true);
      replayer.recordInto(clickToVersion);
      replayer.paced(options.rate(), FRESHNESS_WINDOW_S);
      replayer.recordInto(null);
      watch.window(false);
      applyRate = (applied() - appliedBefore) / ((System.nanoTime() - before) / 1e9);
      checkRunning(job);
      stats = metric(FRESHNESS_METRIC, Histogram.class).getStatistics();
      say("freshness: p50 %.0f ms, p99 %.0f ms over %,d examples", stats.getQuantile(0.5),
          stats.getQuantile(0.99), stats.size());
      awaitVersions(job, replayer, clickToVersion);
      checkpoints = watch.result();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replaying", e);
    }
    return new Freshness(stats, applyRate, checkpoints, clickToVersion.figures());
  }

  /**
   * Goes on replaying at the same rate (versions come every so many steps, and steps need examples) until
   * every example of the window is in a version that a reader of committed data has seen, or for at most two
   * checkpoint intervals and two minutes.
   */
  private void awaitVersions(JobClient job, ExampleReplayer replayer, ClickToVersion clickToVersion)
      throws InterruptedException {
    long deadline = System.nanoTime() + options.checkpointInterval().multipliedBy(2).plusMinutes(2).toNanos();
    while (!clickToVersion.allCovered() && System.nanoTime() < deadline) {
      replayer.paced(options.rate(), 2);
      checkRunning(job);
    }
    say("click-to-version: %s", clickToVersion.figures());
  }

  /**
   * Reads {@code models.versions} as a reader of committed data does, on a thread of its own, and tells the
   * recorder when each version of the model appears.
   */
  private static final class VersionWatch implements AutoCloseable {
    private final KafkaConsumer<String, ModelVersion> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    VersionWatch(String bootstrap, TrainerTopics topics, String model, ClickToVersion recorder) {
      Topic<String, ModelVersion> versions = topics.versions();
      consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.CLIENT_ID_CONFIG, "dualstream-bench-versions",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
          versions.keySerde().deserializer(), versions.valueSerde().deserializer());
      List<TopicPartition> partitions = consumer.partitionsFor(versions.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      String input = topics.input().name();
      thread = new Thread(() -> {
        while (running) {
          for (ConsumerRecord<String, ModelVersion> record : consumer.poll(Duration.ofMillis(50))) {
            long seen = System.currentTimeMillis();
            ModelVersion version = record.value();
            if (version.getModel().equals(model)) {
              Map<Integer, Long> next = new LinkedHashMap<>();
              version.getSourceOffsets().stream().filter(o -> o.getTopic().equals(input))
                  .forEach(o -> next.put(o.getPartition(), o.getOffset()));
              recorder.announced(next, seen);
            }
          }
        }
      }, "bench-version-watch");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Hit rate of one decoding subtask's feature cache (they all see the same mix); -1 without one. */
  @SuppressWarnings("unchecked")
  private static double featureCacheHitRate() {
    return BenchMetrics.get(CACHE_HIT_METRIC).map(m -> ((Gauge<Double>) m).getValue()).orElse(-1.0);
  }

  private long applied() {
    return gauge(APPLIED_METRIC);
  }

  /** A long gauge of the training operator; 0 before it registered. */
  @SuppressWarnings("unchecked")
  private static long gauge(String name) {
    return BenchMetrics.get(name).map(m -> ((Gauge<Long>) m).getValue()).orElse(0L);
  }

  private static <M extends Metric> M metric(String name, Class<M> type) {
    Metric metric = BenchMetrics.get(name).orElseThrow(
        () -> new IllegalStateException("the training job never registered the metric " + name));
    return type.cast(metric);
  }

  private static void checkRunning(JobClient job) {
    try {
      if (job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
        throw new IllegalStateException("the training job ended early; see var/logs/dualstream.log");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot ask the training job for its status: " + e, e);
    }
  }

  private void cancel(JobClient job) {
    try {
      job.cancel().get(60, TimeUnit.SECONDS);
      say("training job cancelled");
    } catch (Exception e) {
      say("could not cancel the training job cleanly: %s", e);
    }
  }

  private void say(String format, Object... args) {
    lines.say(format, args);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
