package dev.dualstream.evaluator.experiment;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.trainer.encoder.TransformerTower.Growth;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.model.DualEncoderTrainer;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.StepResult;
import dev.dualstream.trainer.model.TrainingPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code dualstream experiment stacking}: does a deeper Transformer tower grown from a trained
 * shallow one (progressive stacking, Gong et al. 2019; few-shot stacking, paper 2) reach a
 * scratch-trained deep tower's loss sooner?
 *
 * <p>One example stream for every run: the click simulator's log on the train split with a fixed
 * seed ({@link ClickLogExamples}), featurized once, each step taking the next batch, so at any step
 * every run has seen the same examples. The small model ({@code L} layers) trains on the whole
 * stream, checkpointed at the growth step; from that checkpoint, three {@code 2L}-layer models go
 * on over the rest of the stream: copies of all layers on top ({@code stack-all}), copies of the top
 * layer ({@code stack-top}), fresh layers ({@code random}), each with a fresh Adam for the tower and
 * the table's optimizer state kept ({@link DualEncoderTrainer#grow}). A {@code 2L}-layer model trains
 * from scratch on the whole stream. At evenly spaced steps each run records its loss on held-out
 * clicks (the in-batch softmax cross-entropy over the clicks that follow the stream in the same log,
 * 1024 by default, in batches of the training batch, without updating the model), its mean training
 * loss since the previous point and test Recall@10; a grown run also records the point it starts
 * from, before its first step. The target is the scratch run's final held-out loss; each run's steps
 * and seconds to reach it count the small model's training for grown runs, and are also given
 * without it.
 *
 * <p>Design note: a single training batch's loss varies by a factor of two from batch to batch
 * here, and a window's mean lags a model that is still learning, so neither compares a grown
 * model's start with a run's end; a fixed held-out set does.
 */
public final class StackingExperiment {
  private StackingExperiment() {}

  /** Runs the small, grown and scratch models and returns the report. */
  public static StackingReport run(StackingExperimentOptions options, Consumer<String> log) {
    BeirDataset dataset = BeirReader.read(options.dataset());
    ClickLogExamples.Stream stream =
        ClickLogExamples.simulateWithHeldOut(dataset, options.seed(), options.examples(), options.heldOut(), log);
    List<ClickLogExamples.Example> examples = stream.training();
    HeldOutClicks heldOut = new HeldOutClicks(stream.heldOut(), options.batchSize(),
        options.model(options.layers()).scale());
    int small = options.layers();
    int deep = 2 * small;
    Featurizer featurizer = new Featurizer(options.model(small).featureSpec());
    List<TrainingPair> pairs = new ArrayList<>(examples.size());
    examples.forEach(e -> pairs.add(TrainingPair.of(featurizer, e.query(), e.positive())));
    SparsityExperiment.Evaluation evaluation =
        new SparsityExperiment.Evaluation(dataset, options.evalQueries());
    int steps = options.steps();
    int growAt = options.growAt();
    log.accept(String.format(Locale.ROOT, "%d steps of %d; %d layers grown to %d at step %d; feed-forward width %d;"
        + " Recall@10 over %d test queries", steps, options.batchSize(), small, deep, growAt, options.width(),
        evaluation.queries()));
    Stepper stepper = new Stepper(pairs, options.batchSize(), steps / options.points(), evaluation, heldOut,
        log);
    List<Curve> curves = new ArrayList<>();
    Path work = temporaryDirectory();
    try {
      Curve shallow = new Curve("small-" + small, small, null, 0);
      double secondsAtGrowth;
      try (DualEncoderTrainer trainer = DualEncoderTrainer.create(options.model(small), options.seed())) {
        stepper.advance(trainer, shallow, 0, growAt, false);
        secondsAtGrowth = shallow.seconds;
        trainer.saveCheckpoint(work.resolve("small"), Map.of());
        stepper.advance(trainer, shallow, growAt, steps, false);
      }
      curves.add(shallow);
      for (Growth growth : Growth.values()) {
        String kind = growth.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Curve curve = new Curve(kind + "-" + deep, deep, kind, secondsAtGrowth);
        DualEncoderTrainer restored = DualEncoderTrainer.restore(work.resolve("small"));
        DualEncoderTrainer grown;
        try {
          grown = restored.grow(deep, growth);
        } catch (RuntimeException e) {
          restored.close();
          throw e;
        }
        try (grown) {
          stepper.advance(grown, curve, growAt, steps, true);
        }
        curves.add(curve);
      }
      Curve scratch = new Curve("scratch-" + deep, deep, null, 0);
      try (DualEncoderTrainer trainer = DualEncoderTrainer.create(options.model(deep), options.seed())) {
        stepper.advance(trainer, scratch, 0, steps, false);
      }
      curves.add(scratch);
    } finally {
      delete(work);
    }
    Curve scratch = curves.get(curves.size() - 1);
    double target = scratch.points.get(scratch.points.size() - 1).loss();
    List<StackingReport.Run> runs = new ArrayList<>();
    List<StackingReport.Reached> reached = new ArrayList<>();
    for (Curve curve : curves) {
      runs.add(new StackingReport.Run(curve.name, curve.layers, curve.grownFrom, curve.points));
      reached.add(reached(curve, target, growAt, curve.grownFrom == null ? Double.NaN : curve.startSeconds));
    }
    return new StackingReport(dataset.name(), pairs.size(), options.batchSize(), options.seed(), small, deep,
        options.width(), growAt, evaluation.queries(), runs,
        new StackingReport.StepsToTarget(target, scratch.name, reached));
  }

  /** The first point of a curve at or below the target loss; for a grown run, also counted from the growth. */
  static StackingReport.Reached reached(Curve curve, double target, int growAt, double secondsAtGrowth) {
    for (StackingReport.Point point : curve.points) {
      if (point.loss() <= target) {
        boolean grown = curve.grownFrom != null;
        return new StackingReport.Reached(curve.name, point.step(), point.seconds(),
            grown ? point.step() - growAt : null, grown ? point.seconds() - secondsAtGrowth : null);
      }
    }
    return new StackingReport.Reached(curve.name, null, null, null, null);
  }

  /** One run's points as they are taken. */
  static final class Curve {
    final String name;
    final int layers;
    final String grownFrom;
    final double startSeconds;
    final List<StackingReport.Point> points = new ArrayList<>();
    double seconds;

    Curve(String name, int layers, String grownFrom, double startSeconds) {
      this.name = name;
      this.layers = layers;
      this.grownFrom = grownFrom;
      this.startSeconds = startSeconds;
      this.seconds = startSeconds;
    }
  }

  /** Steps a trainer through the stream, taking a point every {@code every} steps. */
  private record Stepper(List<TrainingPair> pairs, int batch, int every, SparsityExperiment.Evaluation evaluation,
      HeldOutClicks heldOut, Consumer<String> log) {

    /**
     * Steps {@code from .. to-1}; with {@code markStart}, the model is measured before the first
     * step too (where a grown model starts).
     */
    void advance(DualEncoderTrainer trainer, Curve curve, int from, int to, boolean markStart) {
      if (markStart) {
        point(trainer, curve, from, Double.NaN);
      }
      double lossSum = 0;
      int window = 0;
      for (int step = from; step < to; step++) {
        long start = System.nanoTime();
        StepResult result = trainer.step(pairs.subList(step * batch, (step + 1) * batch));
        curve.seconds += (System.nanoTime() - start) / 1e9;
        lossSum += result.loss();
        window++;
        int done = step + 1;
        if (done % every == 0 || done == to) {
          point(trainer, curve, done, lossSum / window);
          lossSum = 0;
          window = 0;
        }
      }
    }

    private void point(DualEncoderTrainer trainer, Curve curve, int step, double trainLoss) {
      double recall = evaluation.score(trainer, false).recall();
      double loss = heldOut.loss(trainer);
      curve.points.add(new StackingReport.Point(step, curve.seconds, loss,
          Double.isNaN(trainLoss) ? null : trainLoss, recall));
      log.accept(String.format(Locale.ROOT, "%s: step %d, %.1f s, held-out loss %.4f, training loss %s, Recall@10 %.4f",
          curve.name, step, curve.seconds, loss, Double.isNaN(trainLoss) ? "-" : String.format(Locale.ROOT, "%.4f",
              trainLoss), recall));
    }
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("dualstream-stacking-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the small model's checkpoint", e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
