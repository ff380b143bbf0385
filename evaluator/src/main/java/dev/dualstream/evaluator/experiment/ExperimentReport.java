package dev.dualstream.evaluator.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.model.ModelConfig;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.report.HtmlReport;
import dev.dualstream.evaluator.report.ReportPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The negatives experiment's results, as a table and as JSON:
 *
 * <pre>
 * {"dataset": ..., "examples": n, "batch_size": 32, "seed": 42, "noise_clicks": p, "eval_queries": q,
 *  "training": ...,
 *  "settings": [
 *   {"name": ..., "negatives": ..., "cache_size": M or null, "recall@10": x, "mrr@10": x,
 *    "seconds": x, "ms_per_step": x, "cpu_ms_per_step": x, "steps": n, "forward_ms": x, "backward_ms": x,
 *    "optimizer_ms": x, "loss": x, "cache_fill": n, "cache_staleness_mean": x or null,
 *    "cache_staleness_max": x or null, "sampling_ms_at_capacity": x or null}, ...]}
 * </pre>
 *
 * @param noiseClicks the simulated users' chance of clicking a result that is not relevant
 * @param evalQueries test queries scored
 * @param training the optimizers, learning rates and table initialisation every setting trained with
 *     ({@link #describeTraining})
 */
public record ExperimentReport(String dataset, int examples, int batchSize, long seed, double noiseClicks,
    int evalQueries,
    String training, List<SettingResult> settings) implements ExperimentOutcome {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ExperimentReport {
    settings = List.copyOf(settings);
  }

  /** The report as JSON, keys in the order above; times rounded to 0.1 ms, metrics unrounded. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("dataset", dataset);
    root.put("examples", examples);
    root.put("batch_size", batchSize);
    root.put("seed", seed);
    root.put("noise_clicks", noiseClicks);
    root.put("eval_queries", evalQueries);
    root.put("training", training);
    ArrayNode array = root.putArray("settings");
    for (SettingResult s : settings) {
      ObjectNode node = array.addObject();
      node.put("name", s.name());
      node.put("negatives", s.negatives());
      if (s.cacheSize() == null) {
        node.putNull("cache_size");
      } else {
        node.put("cache_size", s.cacheSize());
      }
      node.put("recall@10", s.recallAt10());
      node.put("mrr@10", s.mrrAt10());
      putNullable(node, "hybrid_recall@10", s.hybridRecallAt10());
      putNullable(node, "hybrid_mrr@10", s.hybridMrrAt10());
      node.put("seconds", round(s.seconds(), 1000));
      node.put("ms_per_step", round(s.msPerStep(), 10));
      node.put("cpu_ms_per_step", round(s.cpuMsPerStep(), 10));
      node.put("steps", s.steps());
      node.put("forward_ms", round(s.forwardMs(), 10));
      node.put("backward_ms", round(s.backwardMs(), 10));
      node.put("optimizer_ms", round(s.optimizerMs(), 10));
      node.put("loss", s.meanLoss());
      node.put("cache_fill", s.cacheFill());
      putNullable(node, "cache_staleness_mean", s.stalenessMean());
      putNullable(node, "cache_staleness_max", s.stalenessMax());
      putNullable(node, "sampling_ms_at_capacity", Double.isNaN(s.samplingMsAtCapacity()) ? Double.NaN
          : round(s.samplingMsAtCapacity(), 100));
    }
    try {
      return JSON.writeValueAsString(root) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the experiment report", e);
    }
  }

  /** A fixed-width table, one setting per line. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s, %d examples, batch %d, seed %d, noise clicks %s, %d test queries%n",
        dataset, examples, batchSize, seed, noiseClicks, evalQueries));
    out.append("training: ").append(training).append(System.lineSeparator());
    boolean hybrid = settings.stream().anyMatch(s -> !Double.isNaN(s.hybridRecallAt10()));
    int nameWidth = Math.max(26, settings.stream().mapToInt(s -> s.name().length()).max().orElse(0));
    int sourcesWidth = Math.max(22, settings.stream().mapToInt(s -> s.negatives().length()).max().orElse(0));
    String name = "%-" + nameWidth + "s %-" + sourcesWidth + "s";
    out.append(String.format(Locale.ROOT, name + " %7s %9s %7s%s %9s %9s %9s %9s %9s%n", "setting", "negatives",
        "M", "Recall@10", "MRR@10", hybrid ? String.format(Locale.ROOT, " %9s %7s", "hybrid", "h. MRR") : "",
        "seconds", "ms/step", "cpu ms", "loss", "stale"));
    for (SettingResult s : settings) {
      out.append(String.format(Locale.ROOT, name + " %7s %9.4f %7.4f%s %9.1f %9.2f %9.2f %9.3f %9s%n", s.name(),
          s.negatives(), s.cacheSize() == null ? "-" : s.cacheSize().toString(), s.recallAt10(), s.mrrAt10(),
          hybrid ? String.format(Locale.ROOT, " %9.4f %7.4f", s.hybridRecallAt10(), s.hybridMrrAt10()) : "",
          s.seconds(), s.msPerStep(), s.cpuMsPerStep(), s.meanLoss(),
          Double.isNaN(s.stalenessMean()) ? "-" : String.format(Locale.ROOT, "%.4f", s.stalenessMean())));
    }
    return out.toString();
  }

  @Override
  public ReportPage page(List<CurvePoint> curves) {
    boolean hybrid = settings.stream().anyMatch(s -> !Double.isNaN(s.hybridRecallAt10()));
    List<String> header = new ArrayList<>(List.of("setting", "negatives", "M", "Recall@10", "MRR@10"));
    if (hybrid) {
      header.addAll(List.of("hybrid Recall@10", "hybrid MRR@10"));
    }
    header.addAll(List.of("seconds", "ms/step", "CPU ms/step", "loss", "staleness"));
    List<List<String>> rows = new ArrayList<>();
    for (SettingResult s : settings) {
      List<String> row = new ArrayList<>(List.of(s.name(), s.negatives(), s.cacheSize() == null ? "-"
          : s.cacheSize().toString(), f4(s.recallAt10()), f4(s.mrrAt10())));
      if (hybrid) {
        row.addAll(List.of(f4(s.hybridRecallAt10()), f4(s.hybridMrrAt10())));
      }
      row.addAll(List.of(String.format(Locale.ROOT, "%.1f", s.seconds()), String.format(Locale.ROOT, "%.2f",
          s.msPerStep()), String.format(Locale.ROOT, "%.2f", s.cpuMsPerStep()), String.format(Locale.ROOT, "%.3f",
          s.meanLoss()), Double.isNaN(s.stalenessMean()) ? "-" : f4(s.stalenessMean())));
      rows.add(row);
    }
    String intro = String.format(Locale.ROOT, "Each way of choosing negatives trains the default dual encoder on the"
        + " same %d examples of the click log simulated on %s's train split (batch %d, seed %d, noise clicks %s),"
        + " then is scored on %d test queries over the whole corpus; the curves score the same queries along"
        + " training%s. Training: %s.", examples, dataset, batchSize, seed, noiseClicks, evalQueries,
        hybrid ? "; a setting named NAME-hybrid is NAME fused with BM25, as the loop serves it" : "", training);
    return new ReportPage("Negatives experiment on " + dataset, intro, dataset, "test", evalQueries,
        ReportPage.finalResults(curves), curves, List.of(new HtmlReport.Table("Every setting", header, rows)),
        ReportPage.details(toJson()));
  }

  private static String f4(double x) {
    return String.format(Locale.ROOT, "%.4f", x);
  }

  /** One line naming the optimizers, learning rates, table initialisation and loss of a model config. */
  public static String describeTraining(ModelConfig config) {
    String table = switch (config.tableOptimizer()) {
      case ADAM -> "Adam";
      case ADAGRAD -> String.format(Locale.ROOT, "Adagrad (initial accumulator %s)",
          config.adagradInitialAccumulator());
    };
    LossConfig loss = config.loss();
    String lossName = loss.kind() == LossConfig.Kind.PHUBER ? "PHuber tau " + loss.phuberTau() : "softmax";
    String labelBias = (loss.labelBiasTau() == 0 ? "" : ", label bias " + loss.labelBiasTau())
        + (loss.weighted() ? ", inverse-propensity weights clipped at " + loss.ipsClip() : "");
    int memory = config.negatives().clickedMemory();
    String clicked = memory == 0 ? "" : ", clicked documents of " + memory + " queries masked";
    return String.format(Locale.ROOT, "table %s lr %s, dense Adam lr %s, table init scale %s, loss %s%s%s", table,
        config.embeddingLearningRate(), config.learningRate(), config.embeddingInitScale(), lossName, labelBias,
        clicked);
  }

  private static double round(double value, double scale) {
    return Math.round(value * scale) / scale;
  }

  private static void putNullable(ObjectNode node, String key, double value) {
    if (Double.isNaN(value)) {
      node.putNull(key);
    } else {
      node.put(key, value);
    }
  }
}
