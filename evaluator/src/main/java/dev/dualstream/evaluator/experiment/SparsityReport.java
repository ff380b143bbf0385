package dev.dualstream.evaluator.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code experiment sparsity} found: the nonzero share of each feed-forward layer along each
 * run, and the Top-k comparison; written as JSON and printed as tables.
 *
 * @param modelWidth width of the residual stream (and of the table rows)
 * @param evalQueries test queries each Recall@10 is over
 * @param probeSequences sequences (test queries and their relevant documents) the nonzero shares are over
 */
public record SparsityReport(String dataset, int examples, @JsonProperty("batch_size") int batchSize, long seed,
    @JsonProperty("model_width") int modelWidth, int heads, @JsonProperty("eval_queries") int evalQueries,
    @JsonProperty("probe_sequences") int probeSequences, List<Run> runs, List<TopK> topk) implements BatchReport {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One training run.
   *
   * @param variant {@code clicks} (one pass over the click log), {@code random-labels} (each query paired with
   *     another example's click) or {@code repeated} (a share of the log, repeated for as many steps)
   */
  public record Run(int width, int depth, String variant, List<Point> points,
      @JsonProperty("examples_per_s") double examplesPerSecond) {}

  /** The model after {@code step} steps. */
  public record Point(int step, @JsonProperty("nonzero_fraction") List<Double> nonzeroFraction,
      @JsonProperty("recall@10") double recallAt10) {}

  /**
   * The model trained with Top-k thresholding at {@code k} ({@code "none"}: all activations kept).
   *
   * @param ece expected calibration error of the in-batch softmax on held-out clicks
   * @param eceCorpus expected calibration error of the softmax over the whole corpus on the test queries
   */
  public record TopK(Object k, @JsonProperty("recall@10") double recallAt10, double ece,
      @JsonProperty("ece_corpus") double eceCorpus,
      @JsonProperty("recall@10_token_dropout") double recallTokenDropout,
      @JsonProperty("recall@10_noisy_labels") double recallNoisyLabels) {}

  @Override
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the sparsity report", e);
    }
  }

  /** The runs' first and last points and the Top-k table, as fixed-width text. */
  @Override
  public List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-14s %6s %5s  %-24s %-24s %9s %8s", "variant", "width", "depth",
        "nonzero at step 0", "nonzero at the end", "Recall@10", "ex/s"));
    for (Run run : runs) {
      Point first = run.points().get(0);
      Point last = run.points().get(run.points().size() - 1);
      lines.add(String.format(Locale.ROOT, "%-14s %6d %5d  %-24s %-24s %9.4f %8.0f", run.variant(), run.width(),
          run.depth(), shares(first), shares(last), last.recallAt10(), run.examplesPerSecond()));
    }
    lines.add("");
    lines.add(String.format(Locale.ROOT, "%-6s %9s %8s %10s %18s %18s", "top-k", "Recall@10", "ECE", "ECE corpus",
        "with token dropout", "with noisy labels"));
    for (TopK row : topk) {
      lines.add(String.format(Locale.ROOT, "%-6s %9.4f %8.4f %10.4f %18.4f %18.4f", row.k(), row.recallAt10(),
          row.ece(), row.eceCorpus(), row.recallTokenDropout(), row.recallNoisyLabels()));
    }
    return lines;
  }

  private static String shares(Point point) {
    StringBuilder out = new StringBuilder();
    for (double share : point.nonzeroFraction()) {
      out.append(out.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", share));
    }
    return out.toString();
  }
}
