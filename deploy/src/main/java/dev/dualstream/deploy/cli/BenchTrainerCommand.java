package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.bench.BenchPairs;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.trainer.bench.Lockstep;
import dev.dualstream.trainer.bench.TrainerBenchResult;
import dev.dualstream.trainer.bench.TrainerBenchmark;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.encoder.TransformerSpec;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream bench trainer}: the training step alone, timed on in-memory batches. */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Times training steps of the benchmark model on batches held in memory:",
        "featurizes the split's (query, relevant document title + text) pairs once,",
        "then runs warm-up steps and timed windows, cycling through the batches.",
        "Model: 2^20 x 64 table, <= 64 query / 128 document ids, mean bag",
        "-> Linear(64,256) -> ReLU -> Linear(256,128) -> L2, shared towers,",
        "in-batch softmax cross-entropy (scale 20), Adam lr 1e-3.",
        "Prints the median examples/s over the windows, peak memory and the split",
        "of a step into forward, backward and optimizer time.",
        ""})
final class BenchTrainerCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--split", paramLabel = "NAME", defaultValue = "train",
      description = "Qrels split whose pairs make the batches. Default: ${DEFAULT-VALUE}.")
  private String split;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256",
      description = "Pairs per step. Default: ${DEFAULT-VALUE}.")
  private int batchSize;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "Native intra-op threads and Java worker threads. Default: ${DEFAULT-VALUE}.")
  private int threads;

  @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "60",
      description = "Untimed steps before the windows. Default: ${DEFAULT-VALUE}.")
  private int warmupSteps;

  @Option(names = "--window-steps", paramLabel = "N", defaultValue = "20",
      description = "Steps per timed window. Default: ${DEFAULT-VALUE}.")
  private int windowSteps;

  @Option(names = "--windows", paramLabel = "N", defaultValue = "7",
      description = "Timed windows; the median window is the result. Default: ${DEFAULT-VALUE}.")
  private int windows;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--encoder", paramLabel = "ENCODER", defaultValue = "bag",
      description = "The tower to time, as `train --encoder` names it: " + TransformerSpec.SYNTAX
          + ". The PyTorch peer (--export-batches, --lockstep) exists for the bag only. "
          + "Default: ${DEFAULT-VALUE}.")
  private String encoder;

  @Option(names = "--json", paramLabel = "FILE",
      description = "Also write the figures as JSON to FILE (median under \"examples_per_s\").")
  private Path json;

  @Option(names = "--export-batches", paramLabel = "DIR",
      description = "Also write the batches to DIR/queries.npy and DIR/documents.npy (int32, "
          + "0 = padding, row i of each = pair i, consecutive blocks of the batch size = batches), "
          + "for benchmarks/pytorch.")
  private Path exportDir;

  @Option(names = "--lockstep", paramLabel = "FILE",
      description = "Take turns with a peer benchmark (benchmarks/pytorch) through FILE: wait until "
          + "it reads 'dualstream', run the warm-up or one window, write 'pytorch'. Windows run in "
          + "alternation see about the same machine load.")
  private Path lockstep;

  @Option(names = "--export-only",
      description = "Write the batches (needs --export-batches) and stop without timing.")
  private boolean exportOnly;

  @Override
  public Integer call() {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    ModelConfig config;
    TrainerBenchmark.Settings settings;
    try {
      config = TrainerBenchmark.benchmarkModel().toBuilder().batchSize(batchSize).threads(threads)
          .transformer(TransformerSpec.parseEncoder(encoder)).build();
      settings = new TrainerBenchmark.Settings(warmupSteps, windowSteps, windows, seed.value);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    long start = System.nanoTime();
    BeirDataset data = BeirReader.read(dataset.dir);
    List<TrainingPair> pairs = BenchPairs.featurize(BenchPairs.texts(data, split, seed.value),
        new Featurizer(config.featureSpec()));
    List<List<TrainingPair>> batches = TrainerBenchmark.batches(pairs, batchSize);
    if (batches.isEmpty()) {
      throw new UserError("split '" + split + "' of " + dataset.dir + " has " + pairs.size()
          + " usable pairs, fewer than one batch of " + batchSize);
    }
    out.printf("featurized %,d pairs of %s/%s into %d batches of %d in %.1f s%n", pairs.size(),
        data.name(), split, batches.size(), batchSize, (System.nanoTime() - start) / 1e9);
    if (exportDir != null) {
      export(batches, config, out);
    }
    if (exportOnly) {
      return 0;
    }
    TrainerBenchResult result = TrainerBenchmark.run(config, batches, settings,
        lockstep == null ? null : new Lockstep(lockstep, "dualstream", "pytorch"), out::println);
    out.println(result.summary());
    if (json != null) {
      write(json, result.toJson());
      out.println("figures written to " + json);
    }
    return 0;
  }

  private void validate() {
    dataset.checked();
    if (!"bag".equals(encoder) && (exportDir != null || lockstep != null)) {
      throw new UserError("--export-batches and --lockstep compare the bag with PyTorch; drop them with --encoder "
          + encoder);
    }
    if (exportOnly && exportDir == null) {
      throw new UserError("--export-only needs --export-batches DIR");
    }
    PathChecks.requireParentDirectory("--json", json);
    if (batchSize < 2) {
      throw new UserError("--batch-size must be at least 2 (in-batch negatives), got " + batchSize);
    }
    if (threads < 1) {
      throw new UserError("--threads must be at least 1, got " + threads);
    }
  }

  private void export(List<List<TrainingPair>> batches, ModelConfig config, PrintWriter out) {
    try {
      TrainerBenchmark.exportBatches(exportDir, batches, config);
    } catch (IOException e) {
      throw new UserError("cannot write the batches to " + exportDir + ": " + e.getMessage(), e);
    }
    out.printf("batches written to %s (queries.npy, documents.npy)%n", exportDir);
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text + System.lineSeparator(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
