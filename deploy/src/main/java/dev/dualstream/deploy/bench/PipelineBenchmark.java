package dev.dualstream.deploy.bench;

import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.trainer.bench.TrainerBenchResult;
import dev.dualstream.trainer.bench.TrainerBenchmark;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.job.CheckpointSettings;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import dev.dualstream.trainer.job.TrainerTopics;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The whole streaming path, timed: a Kafka broker (child process), the training job (Flink
 * MiniCluster in this JVM: Kafka source, parallel decode and featurize, the training operator) and
 * a replayer publishing pre-recorded training examples as ingest would.
 *
 * <p>Two phases, between two runs of the bare training loop on the same pairs in memory, whose
 * mean is the reference (the machine's load may change during the run; both are reported). (1)
 * Throughput: a backlog of examples is published before the job starts, and the steady-state rate
 * is the trainer's {@code examplesApplied} counter between 25% and 90% of the backlog, which leaves
 * out start-up and the tail. (2) Freshness: examples are published at a fixed rate, stamped with
 * the time they are sent, and the trainer's click-to-step histogram gives the percentiles over the
 * last minute of steps. Checkpoints are set further apart than the run lasts by default, so that
 * the figures measure the plumbing, not the snapshots of the exactly-once path: a snapshot of the
 * benchmark model writes about 0.8 GB and holds the trainer for 1.5 to 2.2 s, which a shorter {@code
 * --checkpoint-interval} shows in the freshness tail.
 */
public final class PipelineBenchmark {

  /** Names of the training operator's metrics (see the trainer's job package). */
  private static final String APPLIED_METRIC = "examplesApplied";
  private static final String STEP_MS_METRIC = "trainerStepMs";
  private static final String BETWEEN_STEPS_MS_METRIC = "trainerBetweenStepsMs";
  private static final String FRESHNESS_METRIC = "clickToStepMs";
  private static final String CACHE_HIT_METRIC = "featureCacheHitRate";
  /** Enough for the JIT to finish with the step in a fresh JVM (at 60 the first run was 15-25% slow). */
  private static final int BARE_WARMUP_STEPS = 400;
  private static final int BARE_WINDOW_STEPS = 20;
  private static final double FRESHNESS_WINDOW_S = 60;
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);

  private final PipelineBenchOptions options;
  private final Consumer<String> progress;
  private final long startNanos = System.nanoTime();

  private PipelineBenchmark(PipelineBenchOptions options, Consumer<String> progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Runs the benchmark, reporting progress lines; everything started is stopped at the end. */
  public static PipelineBenchResult run(PipelineBenchOptions options, Consumer<String> progress) {
    return new PipelineBenchmark(options, progress).run();
  }

  private PipelineBenchResult run() {
    double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    BeirDataset dataset = BeirReader.read(options.dataset());
    List<BenchPairs.TextPair> texts = BenchPairs.texts(dataset, "train", options.seed());
    ModelConfig config = TrainerBenchmark.benchmarkModel().toBuilder()
        .batchSize(options.batchSize()).threads(options.threads()).build();
    List<List<TrainingPair>> batches = TrainerBenchmark.batches(
        BenchPairs.featurize(texts, new Featurizer(config.featureSpec())), config.batchSize());
    Bare before = bareLoop(config, batches, "before");
    double bareBefore = before.examplesPerS();

    Path work = options.workDir().toAbsolutePath();
    emptyDirectory(work);
    BenchMetrics.clear();
    TrainerTopics topics = TrainerTopics.defaults();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(work.resolve("kafka"))
        .port(options.kafkaPort()).start()) {
      String bootstrap = broker.bootstrapServers();
      say("kafka broker ready on %s (log %s)", bootstrap, broker.logFile());
      KafkaBrokerProcess.createTopics(bootstrap, 2, topics.input());
      KafkaBrokerProcess.createTopics(bootstrap, 1, topics.metrics(), topics.versions(), topics.deadLetters());
      try (ExampleReplayer replayer = new ExampleReplayer(bootstrap, topics.input(), texts)) {
        replayer.burst(options.backlog());
        say("backlog: %,d examples published", options.backlog());
        JobClient job = startJob(bootstrap, config, work);
        Throughput pipeline;
        Freshness freshness;
        try {
          pipeline = drain(job);
          say("throughput: %.0f examples/s in steady state", pipeline.examplesPerS());
          pipeline.cpuMicrosPerExample().forEach((role, micros) ->
              say("throughput: %6.1f us CPU per example in %s", micros, role));
          say("throughput: feature cache hit rate %.3f", pipeline.featureCacheHitRate());
          say("throughput: the training thread was in steps %.1f%% of the time", 100 * pipeline.trainerBusyShare());
          freshness = freshness(job, replayer);
        } finally {
          cancel(job);
        }
        Bare after = bareLoop(config, batches, "after");
        double bareAfter = after.examplesPerS();
        double bare = (bareBefore + bareAfter) / 2;
        return new PipelineBenchResult(bare, bareBefore, bareAfter, pipeline.examplesPerS(),
            pipeline.examplesPerS() / bare,
            options.backlog(), options.rate(), freshness.stats().size(),
            freshness.stats().getQuantile(0.5), freshness.stats().getQuantile(0.99),
            freshness.stats().getMax(), FRESHNESS_WINDOW_S, freshness.applyRate(),
            options.decodeParallelism(), config.batchSize(), config.threads(), options.feederNice(),
            options.checkpointInterval().toSeconds(), loadStart,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
            pipeline.cpuMicrosPerExample(), pipeline.featureCacheHitRate(), pipeline.trainerBusyShare(),
            after.cpuMicrosPerExample());
      }
    }
  }

  /** The steady-state rate, where the CPU went meanwhile, and the feature cache's hit rate at its end. */
  private record Throughput(double examplesPerS, Map<String, Double> cpuMicrosPerExample,
      double featureCacheHitRate, double trainerBusyShare) {}

  /** The freshness histogram's statistics and the trainer's rate while they were taken. */
  private record Freshness(HistogramStatistics stats, double applyRate) {}

  /** The bare loop's rate and the process's CPU time per example over its timed windows but the first. */
  private record Bare(double examplesPerS, double cpuMicrosPerExample) {}

  /** The bare loop, run before and after the pipeline so that a change of load shows. */
  private Bare bareLoop(ModelConfig config, List<List<TrainingPair>> batches, String when) {
    say("bare loop (%s): %d batches of %d in memory", when, batches.size(), config.batchSize());
    TrainerBenchmark.Settings settings = new TrainerBenchmark.Settings(BARE_WARMUP_STEPS, BARE_WINDOW_STEPS,
        options.bareWindows(), options.seed());
    // CPU time between the end of the first timed window and the end of the last: steady state only
    List<CpuProfile.Snapshot> windowEnds = new ArrayList<>();
    TrainerBenchResult result = TrainerBenchmark.run(config, batches, settings, line -> {
      if (line.startsWith("window ")) {
        windowEnds.add(CpuProfile.take());
      }
      say("bare loop (%s): %s", when, line);
    });
    double cpu = Double.NaN;
    if (windowEnds.size() >= 2) {
      long examples = (long) (windowEnds.size() - 1) * BARE_WINDOW_STEPS * config.batchSize();
      cpu = CpuProfile.microsPerExample(windowEnds.get(0), windowEnds.get(windowEnds.size() - 1), examples)
          .get(CpuProfile.TOTAL);
    }
    say("bare loop (%s): %.0f examples/s, %.1f us CPU per example", when, result.examplesPerS(), cpu);
    return new Bare(result.examplesPerS(), cpu);
  }

  private JobClient startJob(String bootstrap, ModelConfig config, Path work) {
    TrainerOptions trainer = TrainerOptions.defaults(bootstrap)
        .withModel(config)
        .withModelStore(work.resolve("models"))
        .withGroupId("dualstream-bench")
        .withSeed(options.seed())
        .withDecodeParallelism(options.decodeParallelism())
        .withFeatureCacheMb(options.featureCacheMb())
        .withFeederNice(options.feederNice())
        .withIntervals(50, 0)
        .withCheckpoints(CheckpointSettings.defaults()
            .withDirectory(work.resolve("checkpoints"))
            .withInterval(options.checkpointInterval())
            .withTimeout(Duration.ofMinutes(1)));
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

  /**
   * Waits until the backlog is applied; returns the steady-state rate between 25% and 90%, and the
   * CPU time per example of each kind of thread over the same stretch.
   */
  private Throughput drain(JobClient job) {
    long backlog = options.backlog();
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    long t25 = -1;
    long c25 = 0;
    CpuProfile.Snapshot cpu25 = null;
    long step25 = 0;
    long between25 = 0;
    long lastReport = 0;
    while (System.nanoTime() < deadline) {
      long applied = applied();
      long now = System.nanoTime();
      if (t25 < 0 && applied >= backlog / 4) {
        t25 = now;
        c25 = applied;
        cpu25 = CpuProfile.take();
        step25 = gauge(STEP_MS_METRIC);
        between25 = gauge(BETWEEN_STEPS_MS_METRIC);
      }
      if (applied >= backlog * 9 / 10) {
        Map<String, Double> cpu = CpuProfile.microsPerExample(cpu25, CpuProfile.take(), applied - c25);
        long step = gauge(STEP_MS_METRIC) - step25;
        long between = gauge(BETWEEN_STEPS_MS_METRIC) - between25;
        double busy = step + between == 0 ? Double.NaN : (double) step / (step + between);
        return new Throughput((applied - c25) / ((now - t25) / 1e9), cpu, featureCacheHitRate(), busy);
      }
      if (now - lastReport > 5_000_000_000L) {
        say("throughput: %,d of %,d examples applied", applied, backlog);
        lastReport = now;
      }
      checkRunning(job);
      sleep(50);
    }
    throw new IllegalStateException("the job did not apply 90% of the backlog within "
        + DRAIN_TIMEOUT.toMinutes() + " minutes; see var/logs");
  }

  private Freshness freshness(JobClient job, ExampleReplayer replayer) {
    say("freshness: replaying %.0f examples/s for %.0f s (the last %.0f s measured)", options.rate(),
        options.warmupSeconds() + FRESHNESS_WINDOW_S, FRESHNESS_WINDOW_S);
    long appliedBefore;
    long before;
    try {
      replayer.paced(options.rate(), options.warmupSeconds());
      appliedBefore = applied();
      before = System.nanoTime();
      replayer.paced(options.rate(), FRESHNESS_WINDOW_S);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replaying", e);
    }
    double applyRate = (applied() - appliedBefore) / ((System.nanoTime() - before) / 1e9);
    checkRunning(job);
    HistogramStatistics stats = metric(FRESHNESS_METRIC, Histogram.class).getStatistics();
    say("freshness: p50 %.0f ms, p99 %.0f ms over %,d examples", stats.getQuantile(0.5),
        stats.getQuantile(0.99), stats.size());
    return new Freshness(stats, applyRate);
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
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
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
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    progress.accept(String.format("[%6.1fs] ", seconds) + String.format(format, args));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void emptyDirectory(Path dir) {
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> paths = Files.walk(dir)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare work directory " + dir, e);
    }
  }
}
