package dev.dualstream.evaluator.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code experiment stacking} found: each run's loss and Recall@10 against steps and seconds,
 * and the steps and seconds each needs to reach the scratch run's final loss.
 *
 * @param growAt the step at which the small model is grown; grown runs' points start there and
 *     count the small model's steps and seconds
 */
public record StackingReport(String dataset, int examples, @JsonProperty("batch_size") int batchSize, long seed,
    @JsonProperty("small_layers") int smallLayers, @JsonProperty("grown_layers") int grownLayers, int width,
    @JsonProperty("grow_at_step") int growAt, @JsonProperty("eval_queries") int evalQueries, List<Run> runs,
    @JsonProperty("steps_to_target") StepsToTarget stepsToTarget) implements BatchReport {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One model's curve; {@code grownFrom} names the growth ({@code stack-all}, {@code stack-top}, {@code random}) or is null. */
  public record Run(String name, int layers, @JsonProperty("grown_from") String grownFrom, List<Point> points) {}

  /**
   * The model after {@code step} steps of the stream.
   *
   * @param seconds training time so far, evaluation excluded, the small model's included for grown runs
   * @param loss in-batch softmax cross-entropy on the held-out clicks
   * @param trainLoss the mean training loss over the steps since the previous point; null at a grown
   *     model's start, before its first step
   */
  public record Point(int step, double seconds, double loss, @JsonProperty("train_loss") Double trainLoss,
      @JsonProperty("recall@10") double recallAt10) {}

  /**
   * When each run first reached {@code targetLoss}, the scratch run's final held-out loss; null where it
   * never did.
   *
   * @param target the run whose final loss is the target
   */
  public record StepsToTarget(@JsonProperty("target_loss") double targetLoss, String target, List<Reached> runs) {}

  /** One run's steps and seconds to the target, with and (for grown runs) without the small model's. */
  public record Reached(String name, Integer steps, Double seconds,
      @JsonProperty("steps_without_small") Integer stepsWithoutSmall,
      @JsonProperty("seconds_without_small") Double secondsWithoutSmall) {}

  @Override
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the stacking report", e);
    }
  }

  /** Each run's final point and its steps to the target, as fixed-width text. */
  @Override
  public List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "target: the final held-out loss of %s, %.4f", stepsToTarget.target(),
        stepsToTarget.targetLoss()));
    lines.add(String.format(Locale.ROOT, "%-14s %6s %10s %9s %9s %16s %16s", "run", "layers", "held-out",
        "Recall@10", "seconds", "steps to target", "(without small)"));
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      Point last = run.points().get(run.points().size() - 1);
      Reached reached = stepsToTarget.runs().get(i);
      lines.add(String.format(Locale.ROOT, "%-14s %6d %10.4f %9.4f %9.1f %16s %16s", run.name(), run.layers(),
          last.loss(), last.recallAt10(), last.seconds(), reached.steps() == null ? "not reached" : reached.steps(),
          reached.stepsWithoutSmall() == null ? "" : reached.stepsWithoutSmall()));
    }
    return lines;
  }
}
