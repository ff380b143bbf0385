package dev.dualstream.trainer.bench;

import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.optim.TableOptimizer;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Times training steps of the benchmark model on batches held in memory, so that nothing but the
 * step is measured: no Kafka, no parsing, no featurizing.
 *
 * <p>Method: {@code warmupSteps} untimed steps (JIT, native allocator, page faults of the table's
 * first touches), then {@code windows} timed windows of {@code windowSteps} steps each, cycling
 * through the batches in order. The headline is the median window's examples per second, robust
 * to a window disturbed by other work on the machine. The split into forward, backward and
 * optimizer time comes from the trainer's own {@link StepResult}.
 */
public final class TrainerBenchmark {

  private TrainerBenchmark() {}

  /**
   * How long to measure.
   *
   * @param warmupSteps untimed steps first
   * @param windowSteps steps per timed window
   * @param windows timed windows
   * @param seed seed of the trainer's initial weights
   */
  public record Settings(int warmupSteps, int windowSteps, int windows, long seed) {
    public Settings {
      if (warmupSteps < 0) {
        throw new IllegalArgumentException("warm-up steps must be 0 or more, got " + warmupSteps);
      }
      if (windowSteps < 1 || windows < 1) {
        throw new IllegalArgumentException("need at least one window of at least one step, got "
            + windows + " windows of " + windowSteps + " steps");
      }
    }

    /** 60 warm-up steps, then 7 windows of 20 steps, seed 42. */
    public static Settings defaults() {
      return new Settings(60, 20, 7, 42);
    }
  }

  /**
   * The benchmark model of the trainer speed issue: the default model (2^20 x 64 table, at most
   * 64 query and 128 document ids, mean bag, Linear(64, 256), ReLU, Linear(256, 128), L2; shared
   * towers; softmax scale 20) at batch 256 on 2 threads, with Adam at lr 1e-3 on the table as well
   * (the default table optimizer is Adagrad): the PyTorch peer runs {@code SparseAdam}, so both
   * sides run the same optimizer.
   */
  public static ModelConfig benchmarkModel() {
    return ModelConfig.defaults().toBuilder().modelName("bench").batchSize(256).threads(2)
        .tableOptimizer(TableOptimizer.Kind.ADAM).embeddingLearningRate(1e-3).build();
  }

  /** Consecutive full batches of {@code batchSize} pairs; a last, partial batch is dropped. */
  public static List<List<TrainingPair>> batches(List<TrainingPair> pairs, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    List<List<TrainingPair>> batches = new ArrayList<>();
    for (int from = 0; from + batchSize <= pairs.size(); from += batchSize) {
      batches.add(List.copyOf(pairs.subList(from, from + batchSize)));
    }
    return batches;
  }

  /**
   * Writes the batches as {@code dir/queries.npy} and {@code dir/documents.npy}: int32 matrices
   * of {@code maxQueryIds} and {@code maxDocIds} columns, 0-padded, row i of each forming pair i,
   * consecutive blocks of one batch size forming the batches.
   */
  public static void exportBatches(Path dir, List<List<TrainingPair>> batches, ModelConfig config)
      throws IOException {
    Files.createDirectories(dir);
    List<int[]> queries = new ArrayList<>();
    List<int[]> documents = new ArrayList<>();
    for (List<TrainingPair> batch : batches) {
      for (TrainingPair pair : batch) {
        queries.add(pair.queryIds());
        documents.add(pair.docIds());
      }
    }
    NpyWriter.writeInt32(dir.resolve("queries.npy"), queries, config.maxQueryIds());
    NpyWriter.writeInt32(dir.resolve("documents.npy"), documents, config.maxDocIds());
  }

  /** Runs the benchmark; {@code progress} gets a line per window. */
  public static TrainerBenchResult run(ModelConfig config, List<List<TrainingPair>> batches,
      Settings settings, Consumer<String> progress) {
    return run(config, batches, settings, null, progress);
  }

  /**
   * Runs the benchmark taking turns with a peer process: the warm-up is one turn and each timed
   * window one more ({@link Lockstep}).
   *
   * @param lockstep the turns, or null to run without a peer
   */
  public static TrainerBenchResult run(ModelConfig config, List<List<TrainingPair>> batches,
      Settings settings, Lockstep lockstep, Consumer<String> progress) {
    if (batches.isEmpty()) {
      throw new IllegalArgumentException("the benchmark needs at least one batch");
    }
    double loadStart = Machine.loadAverage();
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, settings.seed())) {
      progress.accept("trainer: " + trainer.describeDevice());
      int next = 0;
      float lossFirst = Float.NaN;
      turn(lockstep);
      for (int i = 0; i < settings.warmupSteps(); i++) {
        StepResult r = trainer.step(batches.get(next));
        next = (next + 1) % batches.size();
        lossFirst = i == 0 ? r.loss() : lossFirst;
      }
      pass(lockstep);
      PeakMemory.reset();
      int timed = settings.windows() * settings.windowSteps();
      long[] stepNanos = new long[timed];
      long forward = 0;
      long backward = 0;
      long optimizer = 0;
      long touched = 0;
      double[] windowRates = new double[settings.windows()];
      double lossLast = 0;
      for (int w = 0; w < settings.windows(); w++) {
        long examples = 0;
        double lossSum = 0;
        turn(lockstep);
        long start = System.nanoTime();
        for (int i = 0; i < settings.windowSteps(); i++) {
          long stepStart = System.nanoTime();
          StepResult r = trainer.step(batches.get(next));
          stepNanos[w * settings.windowSteps() + i] = System.nanoTime() - stepStart;
          next = (next + 1) % batches.size();
          examples += r.batchSize();
          lossSum += r.loss();
          forward += r.forwardNanos();
          backward += r.backwardNanos();
          optimizer += r.optimizerNanos();
          touched += r.touchedRows();
          lossFirst = Float.isNaN(lossFirst) ? r.loss() : lossFirst;
        }
        windowRates[w] = examples / ((System.nanoTime() - start) / 1e9);
        pass(lockstep);
        lossLast = lossSum / settings.windowSteps();
        progress.accept(String.format("window %d/%d: %.0f examples/s, loss %.3f", w + 1,
            settings.windows(), windowRates[w], lossLast));
      }
      // Stay until the peer's last window is done, so that this JVM's exit does not slow it.
      turn(lockstep);
      return new TrainerBenchResult(median(windowRates),
          Arrays.stream(windowRates).boxed().toList(),
          median(Arrays.stream(stepNanos).asDoubleStream().toArray()) / 1e6,
          forward / 1e6 / timed, backward / 1e6 / timed, optimizer / 1e6 / timed,
          settings.warmupSteps(), settings.windowSteps(), config.batchSize(), batches.size(),
          config.threads(), (double) touched / timed, lossFirst, lossLast,
          PeakMemory.peakHeapBytes(), PeakMemory.peakRssBytes(), trainer.describeDevice(),
          Machine.cpu(), Runtime.getRuntime().availableProcessors(), loadStart,
          Machine.loadAverage(), config.toJson());
    }
  }

  private static void turn(Lockstep lockstep) {
    if (lockstep != null) {
      lockstep.await();
    }
  }

  private static void pass(Lockstep lockstep) {
    if (lockstep != null) {
      lockstep.pass();
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
