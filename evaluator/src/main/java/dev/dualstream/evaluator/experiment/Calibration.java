package dev.dualstream.evaluator.experiment;

/**
 * How well a retrieval model's scores serve as probabilities, the quality that decides how much a
 * student gains from it as a teacher (Menon et al., ICML 2021, paper 4). The model is read as a
 * classifier over the whole corpus: {@code p(d | q) = softmax(scale x cosine)}. Its log-loss is the
 * mean of {@code -log sum_{d relevant} p(d | q)}; its expected calibration error bins the queries
 * by the confidence of the top document, {@code max_d p(d | q)}, into ten equal-width bins and
 * averages {@code |accuracy - confidence|} over the bins weighted by their share of queries, accuracy
 * being whether the top document is relevant (Guo et al., ICML 2017). Not thread-safe.
 */
final class Calibration {
  static final int BINS = 10;
  /** The least probability a log-loss term is taken of, so that one hopeless query cannot make the mean infinite. */
  private static final double FLOOR = 1e-12;

  private final double[] confidence = new double[BINS];
  private final double[] correct = new double[BINS];
  private final int[] count = new int[BINS];
  private double logLoss;
  private int queries;

  /** The log-loss and ECE over the queries added. */
  record Summary(double logLoss, double ece, int queries) {}

  /**
   * Adds one query.
   *
   * @param logits the model's logit for every document of the corpus
   * @param relevant which documents are relevant; at least one
   */
  void add(double[] logits, boolean[] relevant) {
    if (logits.length != relevant.length || logits.length == 0) {
      throw new IllegalArgumentException("need one relevance per logit, got " + relevant.length + " for "
          + logits.length);
    }
    double max = Double.NEGATIVE_INFINITY;
    int top = 0;
    for (int d = 0; d < logits.length; d++) {
      if (logits[d] > max) {
        max = logits[d];
        top = d;
      }
    }
    double partition = 0;
    double relevantMass = 0;
    boolean any = false;
    for (int d = 0; d < logits.length; d++) {
      double e = Math.exp(logits[d] - max);
      partition += e;
      if (relevant[d]) {
        relevantMass += e;
        any = true;
      }
    }
    if (!any) {
      throw new IllegalArgumentException("a query needs at least one relevant document");
    }
    logLoss += -Math.log(Math.max(FLOOR, relevantMass / partition));
    double topProbability = 1 / partition;
    int bin = Math.min(BINS - 1, (int) (topProbability * BINS));
    confidence[bin] += topProbability;
    correct[bin] += relevant[top] ? 1 : 0;
    count[bin]++;
    queries++;
  }

  Summary summary() {
    double ece = 0;
    for (int b = 0; b < BINS; b++) {
      if (count[b] > 0) {
        ece += Math.abs(correct[b] - confidence[b]) / queries;
      }
    }
    return new Summary(queries == 0 ? Double.NaN : logLoss / queries, queries == 0 ? Double.NaN : ece, queries);
  }
}
