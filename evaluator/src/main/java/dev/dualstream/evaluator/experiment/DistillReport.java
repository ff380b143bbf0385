package dev.dualstream.evaluator.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualstream.evaluator.metrics.MetricSummary;
import dev.dualstream.evaluator.search.RerankingRetriever;
import dev.dualstream.evaluator.report.CurvePoint;
import dev.dualstream.evaluator.report.HtmlReport;
import dev.dualstream.evaluator.report.ReportPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The distillation experiment's results, as a table and as JSON:
 *
 * <pre>
 * {"dataset": ..., "examples": n, "seeds": [42, ...], "eval_queries": q,
 *  "settings": [{"name": ..., "role": "default" | "teacher" | "joint-teacher" | "student", "loss": ..., "parameters": n,
 *    "chosen": true | false, "dev_mrr@10": x, "recall@10": x, "recall@10_se": x or null, "mrr@10": x,
 *    "mrr@10_se": x or null, "ndcg@10": x, "ndcg@10_se": x or null, "ms_per_example": x}, ...],
 *  "teacher_calibration": {"log_loss": x, "ece": x, "temperature": 1}}
 * </pre>
 *
 * Test metrics are means over the seeds, {@code _se} their standard errors (null for one seed).
 * Within each family of settings (a loss; the mix of KL and clicks) the one with the best mean dev
 * MRR@10 is chosen; the default model and the teacher are always chosen.
 */
public record DistillReport(String dataset, int examples, List<Long> seeds, int evalQueries, List<Row> settings,
    double teacherLogLoss, double teacherEce) implements ExperimentOutcome {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One setting's results over the seeds. */
  public record Row(String name, String role, String family, String loss, long parameters, boolean chosen,
      double devMrrAt10, Stat recallAt10, Stat mrrAt10, Stat ndcgAt10, double msPerExample) {}

  /** A mean and its standard error (NaN for a single value). */
  public record Stat(double mean, double standardError) {
    static Stat of(List<Double> values) {
      double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      if (values.size() < 2) {
        return new Stat(mean, Double.NaN);
      }
      double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
      return new Stat(mean, Math.sqrt(squares / (values.size() - 1) / values.size()));
    }
  }

  public DistillReport {
    seeds = List.copyOf(seeds);
    settings = List.copyOf(settings);
  }

  static DistillReport of(String dataset, int examples, DistillExperimentOptions options,
      List<DistillExperiment.Setting> settings, Map<String, List<DistillExperiment.Trained>> trained,
      List<Calibration.Summary> calibrations) {
    Map<String, String> bestOfFamily = new HashMap<>();
    Map<String, Double> bestDev = new HashMap<>();
    for (DistillExperiment.Setting s : settings) {
      double dev = mean(trained.get(s.name()), t -> t.dev().mrrAt10());
      if (dev > bestDev.getOrDefault(s.family(), Double.NEGATIVE_INFINITY)) {
        bestDev.put(s.family(), dev);
        bestOfFamily.put(s.family(), s.name());
      }
    }
    List<Row> rows = new ArrayList<>();
    for (DistillExperiment.Setting s : settings) {
      List<DistillExperiment.Trained> runs = trained.get(s.name());
      rows.add(new Row(s.name(), s.role(), s.family(), s.loss(), runs.get(0).parameters(),
          s.name().equals(bestOfFamily.get(s.family())), mean(runs, t -> t.dev().mrrAt10()),
          stat(runs, MetricSummary::recallAt10), stat(runs, MetricSummary::mrrAt10), stat(runs, MetricSummary::ndcgAt10),
          mean(runs, DistillExperiment.Trained::msPerExample)));
    }
    return new DistillReport(dataset, examples, options.seeds(), options.evalQueries(), rows,
        calibrations.stream().mapToDouble(Calibration.Summary::logLoss).average().orElse(Double.NaN),
        calibrations.stream().mapToDouble(Calibration.Summary::ece).average().orElse(Double.NaN));
  }

  private static double mean(List<DistillExperiment.Trained> runs, ToDoubleFunction<DistillExperiment.Trained> f) {
    return runs.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static Stat stat(List<DistillExperiment.Trained> runs, ToDoubleFunction<MetricSummary> f) {
    return Stat.of(runs.stream().map(t -> f.applyAsDouble(t.test())).toList());
  }

  /** The row of a role's chosen setting with the best test MRR@10 (for students: the best student). */
  public Optional<Row> best(String role) {
    return settings.stream().filter(r -> r.role().equals(role) && r.chosen())
        .max(Comparator.comparingDouble(r -> r.mrrAt10().mean()));
  }

  /** The chosen student with the best test MRR@10 among those taught by the teacher (not on clicks alone). */
  public Optional<Row> bestDistilled() {
    return settings.stream().filter(r -> r.role().equals("student") && r.chosen() && !r.family().equals("clicks"))
        .max(Comparator.comparingDouble(r -> r.mrrAt10().mean()));
  }

  /** The chosen student with the best test MRR@10 among those taught by the joint teacher, or by the dense one. */
  Optional<Row> bestDistilled(boolean ofJoint) {
    return settings.stream().filter(r -> r.role().equals("student") && r.chosen() && !r.family().equals("clicks")
        && r.family().startsWith("joint") == ofJoint).max(Comparator.comparingDouble(r -> r.mrrAt10().mean()));
  }

  /** The chosen setting of a family. */
  public Optional<Row> chosen(String family) {
    return settings.stream().filter(r -> r.family().equals(family) && r.chosen()).findFirst();
  }

  /** The report as JSON, keys in the order above. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("dataset", dataset);
    root.put("examples", examples);
    ArrayNode seedArray = root.putArray("seeds");
    seeds.forEach(seedArray::add);
    root.put("eval_queries", evalQueries);
    ArrayNode array = root.putArray("settings");
    for (Row r : settings) {
      ObjectNode node = array.addObject();
      node.put("name", r.name());
      node.put("role", r.role());
      node.put("loss", r.loss());
      node.put("parameters", r.parameters());
      node.put("chosen", r.chosen());
      node.put("dev_mrr@10", r.devMrrAt10());
      put(node, "recall@10", r.recallAt10());
      put(node, "mrr@10", r.mrrAt10());
      put(node, "ndcg@10", r.ndcgAt10());
      node.put("ms_per_example", Math.round(r.msPerExample() * 1000) / 1000.0);
    }
    ObjectNode calibration = root.putObject("teacher_calibration");
    calibration.put("log_loss", teacherLogLoss);
    calibration.put("ece", teacherEce);
    calibration.put("temperature", 1);
    try {
      return JSON.writeValueAsString(root) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the distillation report", e);
    }
  }

  private static void put(ObjectNode node, String key, Stat stat) {
    node.put(key, stat.mean());
    if (Double.isNaN(stat.standardError())) {
      node.putNull(key + "_se");
    } else {
      node.put(key + "_se", stat.standardError());
    }
  }

  /** A fixed-width table, one setting per line (chosen ones marked *), then what the acceptance asks. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s, %d examples, seeds %s, %s test queries%n", dataset, examples, seeds,
        evalQueries == 0 ? "all" : Integer.toString(evalQueries)));
    int width = Math.max(20, settings.stream().mapToInt(r -> r.name().length()).max().orElse(0));
    out.append(String.format(Locale.ROOT, "  %-" + width + "s %11s %8s %17s %17s %17s %8s%n", "setting", "parameters",
        "dev MRR", "Recall@10", "MRR@10", "nDCG@10", "ms/ex"));
    for (Row r : settings) {
      out.append(String.format(Locale.ROOT, "%s %-" + width + "s %11d %8.4f %17s %17s %17s %8.3f%n",
          r.chosen() ? "*" : " ", r.name(), r.parameters(), r.devMrrAt10(), format(r.recallAt10()),
          format(r.mrrAt10()), format(r.ndcgAt10()), r.msPerExample()));
    }
    findings().forEach(line -> out.append(line).append(System.lineSeparator()));
    return out.toString();
  }

  /** What the table shows, in sentences: the teacher's calibration and what the acceptance asks. */
  List<String> findings() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "teacher calibration (softmax over the corpus, T = 1): log-loss %.4f, ECE"
        + " %.4f", teacherLogLoss, teacherEce));
    Optional<Row> teacher = best("teacher");
    Optional<Row> reference = best("default");
    Optional<Row> student = bestDistilled();
    Optional<Row> clicks = chosen("clicks");
    if (teacher.isPresent() && reference.isPresent() && student.isPresent() && clicks.isPresent()) {
      lines.add(String.format(Locale.ROOT, "teacher against the default model: MRR@10 %.4f vs %.4f; best student"
          + " (%s, %.3f of the teacher's parameters) keeps %.1f%% of the teacher's MRR@10; against clicks alone:"
          + " MRR@10 %.4f vs %.4f, Recall@10 %.4f vs %.4f", teacher.get().mrrAt10().mean(),
          reference.get().mrrAt10().mean(), student.get().name(),
          (double) student.get().parameters() / teacher.get().parameters(),
          100 * student.get().mrrAt10().mean() / teacher.get().mrrAt10().mean(), student.get().mrrAt10().mean(),
          clicks.get().mrrAt10().mean(), student.get().recallAt10().mean(), clicks.get().recallAt10().mean()));
    }
    Optional<Row> joint = best(DistillExperiment.JOINT);
    if (teacher.isPresent() && joint.isPresent()) {
      lines.add(String.format(Locale.ROOT, "joint teacher re-ranking the teacher's top %d: MRR@10 %.4f vs %.4f,"
          + " Recall@10 %.4f vs %.4f", RerankingRetriever.DEFAULT_DEPTH, joint.get().mrrAt10().mean(),
          teacher.get().mrrAt10().mean(), joint.get().recallAt10().mean(), teacher.get().recallAt10().mean()));
      Optional<Row> ofDense = bestDistilled(false);
      Optional<Row> ofJoint = bestDistilled(true);
      if (ofDense.isPresent() && ofJoint.isPresent()) {
        lines.add(String.format(Locale.ROOT, "best student of each teacher, against the teacher it learned from:"
            + " %s keeps %.1f%% of the teacher's MRR@10, %s %.1f%% of the joint teacher's", ofDense.get().name(),
            100 * ofDense.get().mrrAt10().mean() / teacher.get().mrrAt10().mean(), ofJoint.get().name(),
            100 * ofJoint.get().mrrAt10().mean() / joint.get().mrrAt10().mean()));
      }
    }
    return lines;
  }

  @Override
  public ReportPage page(List<CurvePoint> curves) {
    List<List<String>> rows = new ArrayList<>();
    for (Row r : settings) {
      rows.add(List.of(r.chosen() ? "*" : "", r.name(), r.role(), r.loss(), Long.toString(r.parameters()),
          String.format(Locale.ROOT, "%.4f", r.devMrrAt10()), format(r.recallAt10()), format(r.mrrAt10()),
          format(r.ndcgAt10()), String.format(Locale.ROOT, "%.3f", r.msPerExample())));
    }
    String intro = String.format(Locale.ROOT, "A teacher, a joint teacher re-ranking its top %d, the default model and"
        + " distilled students train side by side on the same %d examples of %s's simulated click log; the table"
        + " holds means over seeds %s (+- standard error) on %s test queries, * marking each family's choice on the"
        + " dev split; the curves and run files are seed %d's. %s", RerankingRetriever.DEFAULT_DEPTH, examples,
        dataset, seeds, evalQueries == 0 ? "all" : Integer.toString(evalQueries), seeds.get(0),
        String.join("; ", findings()) + ".");
    return new ReportPage("Distillation experiment on " + dataset, intro, dataset, "test", evalQueries,
        ReportPage.finalResults(curves), curves, List.of(new HtmlReport.Table("Every setting", List.of("chosen",
            "setting", "role", "loss", "parameters", "dev MRR@10", "Recall@10", "MRR@10", "nDCG@10", "ms/example"),
            rows)), ReportPage.details(toJson()));
  }

  private static String format(Stat s) {
    return Double.isNaN(s.standardError()) ? String.format(Locale.ROOT, "%.4f", s.mean())
        : String.format(Locale.ROOT, "%.4f+-%.4f", s.mean(), s.standardError());
  }
}
