package dev.dualstream.evaluator.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code experiment federated} found: every run's curve, the best setting of each server optimizer
 * with its mean and spread over seeds, the central model trained on the same clicks, and how the
 * clicks are spread over the clients.
 */
public record FederatedReport(String dataset, int clients, @JsonProperty("heldout_clients") int heldOutClients,
    int rounds, @JsonProperty("clients_per_round") int clientsPerRound, @JsonProperty("local_steps") int localSteps,
    @JsonProperty("client_batch") int clientBatch, @JsonProperty("eval_queries") int evalQueries,
    @JsonProperty("heldout_queries") int heldOutQueries,
    @JsonProperty("client_distribution") Distribution clientDistribution, List<Run> runs, List<Best> best,
    Central central) implements BatchReport {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One optimizer at one setting and seed. */
  public record Run(String optimizer, @JsonProperty("server_lr") double serverLr,
      @JsonProperty("client_lr") double clientLr, double tau, long seed, List<Point> points,
      @JsonProperty("final_train_loss") double finalTrainLoss) {}

  /**
   * The global model after {@code round} rounds.
   *
   * @param trainLoss the sampled clients' mean local loss in the rounds since the previous point
   */
  public record Point(int round, @JsonProperty("recall@10") double recallAt10, @JsonProperty("mrr@10") double mrrAt10,
      @JsonProperty("heldout_recall@10") double heldOutRecallAt10, @JsonProperty("train_loss") double trainLoss) {}

  /**
   * An optimizer's setting with the lowest mean final training loss over the seeds (the paper's rule:
   * no validation set), with the mean and standard deviation of its final metrics over the seeds.
   */
  public record Best(String optimizer, @JsonProperty("server_lr") double serverLr, double tau,
      @JsonProperty("recall@10") Spread recallAt10, @JsonProperty("mrr@10") Spread mrrAt10,
      @JsonProperty("heldout_recall@10") Spread heldOutRecallAt10) {}

  /** Mean and sample standard deviation over seeds (0 for one seed). */
  public record Spread(double mean, double sd) {
    static Spread of(List<Double> values) {
      double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
      double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
      return new Spread(mean, values.size() < 2 ? 0 : Math.sqrt(squares / (values.size() - 1)));
    }
  }

  /** The model trained on all training clients' clicks in one place, the ceiling. */
  public record Central(@JsonProperty("recall@10") double recallAt10, @JsonProperty("mrr@10") double mrrAt10,
      @JsonProperty("heldout_recall@10") double heldOutRecallAt10) {}

  /**
   * How the clicks are spread over the training clients.
   *
   * @param mainTopicShare mean share of a client's clicks in its most frequent topic
   */
  public record Distribution(Summary examples, Summary queries, Summary topics,
      @JsonProperty("main_topic_share") double mainTopicShare) {}

  /** Minimum, median, mean and maximum over the clients. */
  public record Summary(double min, double median, double mean, double max) {
    static Summary of(List<Integer> values) {
      List<Integer> sorted = values.stream().sorted().toList();
      int n = sorted.size();
      double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
      return new Summary(sorted.get(0), median, sorted.stream().mapToInt(Integer::intValue).average().orElse(0),
          sorted.get(n - 1));
    }
  }

  @Override
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the federated report", e);
    }
  }

  @Override
  public List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%d clients (%d held out); per client: %.0f clicks (median), %.0f queries, "
        + "%.1f topics, %.0f%% of clicks in the main topic", clients, heldOutClients,
        clientDistribution.examples().median(), clientDistribution.queries().median(),
        clientDistribution.topics().mean(), 100 * clientDistribution.mainTopicShare()));
    lines.add(String.format(Locale.ROOT, "%-11s %9s %7s %17s %17s %17s", "optimizer", "server lr", "tau",
        "Recall@10", "MRR@10", "held-out R@10"));
    for (Best b : best) {
      lines.add(String.format(Locale.ROOT, "%-11s %9.4g %7.0e %17s %17s %17s", b.optimizer(), b.serverLr(), b.tau(),
          spread(b.recallAt10()), spread(b.mrrAt10()), spread(b.heldOutRecallAt10())));
    }
    lines.add(String.format(Locale.ROOT, "%-11s %9s %7s %17.4f %17.4f %17.4f", "central", "", "", central.recallAt10(),
        central.mrrAt10(), central.heldOutRecallAt10()));
    return lines;
  }

  private static String spread(Spread s) {
    return String.format(Locale.ROOT, "%.4f ± %.4f", s.mean(), s.sd());
  }
}
