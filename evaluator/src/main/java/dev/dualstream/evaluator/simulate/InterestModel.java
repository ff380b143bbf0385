package dev.dualstream.evaluator.simulate;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Simulated users with interests of their own ({@link UserInterests}): the split's queries clustered by
 * topic, a Dirichlet mixture over the clusters per user, and a share of users (held out) whose queries
 * no other user issues.
 *
 * <p>Topics: each query is represented by its words and those of its first relevant document (title
 * and the first 50 words of its text), hashed into 4096 dimensions with {@code 1 + log(tf)} weights and
 * L2-normalised; spherical k-means (seeded k-means++ start, 10 iterations) groups them. Every choice
 * is seeded: the same dataset, settings and seed give the same clusters, mixtures and held-out users.
 */
public final class InterestModel {
  private static final int DIMENSIONS = 1 << 12;
  private static final int ITERATIONS = 10;
  private static final int DOCUMENT_WORDS = 50;

  private final int[] clusterOfQuery;
  private final List<String> queries;
  private final Map<String, Integer> indexOf = new HashMap<>();
  private final QueryPicker[][] pickers;
  private final double[][] mixtures;
  private final boolean[] heldOutUser;
  private final Set<String> heldOutQueries = new HashSet<>();

  private InterestModel(List<String> queries, int[] clusterOfQuery, QueryPicker[][] pickers, double[][] mixtures,
      boolean[] heldOutUser, Set<String> heldOutQueries) {
    this.queries = queries;
    this.clusterOfQuery = clusterOfQuery;
    this.pickers = pickers;
    this.mixtures = mixtures;
    this.heldOutUser = heldOutUser;
    this.heldOutQueries.addAll(heldOutQueries);
    for (int i = 0; i < queries.size(); i++) {
      indexOf.put(queries.get(i), i);
    }
  }

  /**
   * Clusters the query pool and draws every user's mixture.
   *
   * @param pool the split's queries with a text and a relevant document
   * @param queryZipf the Zipf exponent of query popularity inside a cluster (see {@link Traffic#queryZipf})
   * @throws IllegalArgumentException if the pool has fewer queries than clusters
   */
  public static InterestModel build(BeirDataset dataset, Qrels qrels, List<String> pool, UserInterests interests,
      int users, double queryZipf, long seed) {
    int k = interests.clusters();
    if (!interests.enabled() || pool.size() < k) {
      throw new IllegalArgumentException("cannot cluster " + pool.size() + " queries into " + k + " topics");
    }
    List<String> queries = List.copyOf(pool);
    Sparse[] vectors = new Sparse[queries.size()];
    for (int i = 0; i < queries.size(); i++) {
      vectors[i] = vector(dataset, qrels, queries.get(i));
    }
    int[] cluster = kMeans(vectors, k, new SplittableRandom(seed ^ 0x7091C5L));
    SplittableRandom split = new SplittableRandom(seed ^ 0x4E1D0L);
    List<List<String>> training = new ArrayList<>();
    List<List<String>> heldOut = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      training.add(new ArrayList<>());
      heldOut.add(new ArrayList<>());
    }
    Set<String> heldOutQueries = new HashSet<>();
    for (int i = 0; i < queries.size(); i++) {
      boolean held = split.nextDouble() < interests.heldOutShare();
      (held ? heldOut : training).get(cluster[i]).add(queries.get(i));
      if (held) {
        heldOutQueries.add(queries.get(i));
      }
    }
    QueryPicker[][] pickers = new QueryPicker[2][k];
    for (int c = 0; c < k; c++) {
      pickers[0][c] = training.get(c).isEmpty() ? null : new QueryPicker(training.get(c), queryZipf, seed + c);
      pickers[1][c] = heldOut.get(c).isEmpty() ? null : new QueryPicker(heldOut.get(c), queryZipf, seed - c);
    }
    boolean[] heldOutUser = new boolean[users];
    int heldOutUsers = heldOutQueries.isEmpty() ? 0 : (int) Math.round(users * interests.heldOutShare());
    int[] order = shuffled(users, new SplittableRandom(seed ^ 0x05E25L));
    for (int i = 0; i < heldOutUsers && i < users - 1; i++) {
      heldOutUser[order[i]] = true;
    }
    double[][] mixtures = new double[users][];
    for (int u = 0; u < users; u++) {
      mixtures[u] = dirichlet(k, interests.alpha(), new SplittableRandom(seed * 31 + u));
    }
    return new InterestModel(queries, cluster, pickers, mixtures, heldOutUser, heldOutQueries);
  }

  /** The query of a search by {@code user}: a cluster from the user's mixture, then a query of that cluster. */
  String next(int user, SplittableRandom random) {
    QueryPicker[] own = pickers[heldOutUser[user] ? 1 : 0];
    double[] mixture = mixtures[user];
    double total = 0;
    for (int c = 0; c < own.length; c++) {
      total += own[c] == null ? 0 : mixture[c];
    }
    double u = random.nextDouble() * total;
    int chosen = -1;
    for (int c = 0; c < own.length; c++) {
      if (own[c] != null) {
        chosen = c;
        u -= mixture[c];
        if (u < 0) {
          break;
        }
      }
    }
    return own[chosen].next(random);
  }

  /** The topic cluster of a query of the pool. */
  public int clusterOf(String queryId) {
    Integer i = indexOf.get(queryId);
    if (i == null) {
      throw new IllegalArgumentException("query " + queryId + " is not in the clustered pool");
    }
    return clusterOfQuery[i];
  }

  /** A user's mixture over the clusters (a copy). */
  public double[] mixture(int user) {
    return mixtures[user].clone();
  }

  /** Whether a user is held out: never trains, issues only held-out queries. */
  public boolean heldOut(int user) {
    return heldOutUser[user];
  }

  /** Whether a query is issued by held-out users only. */
  public boolean heldOutQuery(String queryId) {
    return heldOutQueries.contains(queryId);
  }

  public int clusters() {
    return pickers[0].length;
  }

  /** How many queries each cluster holds. */
  public int[] clusterSizes() {
    int[] sizes = new int[clusters()];
    for (int c : clusterOfQuery) {
      sizes[c]++;
    }
    return sizes;
  }

  /** The user id the simulator writes for user number {@code user}. */
  static String userId(int user) {
    return "user-" + user;
  }

  /** A symmetric Dirichlet draw: independent Gamma(alpha) draws, normalised. */
  static double[] dirichlet(int k, double alpha, SplittableRandom random) {
    double[] x = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      x[c] = gamma(alpha, random);
      sum += x[c];
    }
    if (sum == 0) {
      // Every draw underflowed (tiny alpha): all mass on one cluster, as the limit has it.
      x[random.nextInt(k)] = 1;
      return x;
    }
    for (int c = 0; c < k; c++) {
      x[c] /= sum;
    }
    return x;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang; below shape 1 through Gamma(shape + 1) x U^(1/shape). */
  static double gamma(double shape, SplittableRandom random) {
    if (shape < 1) {
      return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double z = random.nextGaussian();
      double v = 1 + c * z;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }

  /** A sparse unit vector: dimensions in ascending order and their weights. */
  record Sparse(int[] index, float[] value) {
    double dot(float[] dense) {
      double s = 0;
      for (int j = 0; j < index.length; j++) {
        s += value[j] * dense[index[j]];
      }
      return s;
    }
  }

  private static Sparse vector(BeirDataset dataset, Qrels qrels, String queryId) {
    StringBuilder text = new StringBuilder(dataset.queries().get(queryId));
    Optional<DocumentText> doc = qrels.relevant(queryId).stream().map(dataset::document).flatMap(Optional::stream)
        .findFirst();
    doc.ifPresent(d -> {
      text.append(' ').append(d.title() == null ? "" : d.title());
      String[] words = (d.text() == null ? "" : d.text()).split("\\s+");
      text.append(' ').append(String.join(" ", Arrays.asList(words).subList(0, Math.min(DOCUMENT_WORDS,
          words.length))));
    });
    return sparse(text.toString());
  }

  /** The text's words hashed into {@value #DIMENSIONS} dimensions, {@code 1 + log(tf)}, L2-normalised. */
  static Sparse sparse(String text) {
    Map<Integer, Integer> counts = new java.util.TreeMap<>();
    for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty()) {
        counts.merge(word.hashCode() & (DIMENSIONS - 1), 1, Integer::sum);
      }
    }
    int[] index = new int[counts.size()];
    float[] value = new float[counts.size()];
    double norm = 0;
    int at = 0;
    for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
      index[at] = e.getKey();
      value[at] = (float) (1 + Math.log(e.getValue()));
      norm += value[at] * value[at];
      at++;
    }
    for (int j = 0; j < value.length && norm > 0; j++) {
      value[j] /= (float) Math.sqrt(norm);
    }
    return new Sparse(index, value);
  }

  /** Spherical k-means: seeded k-means++ start, then {@value #ITERATIONS} rounds of assign and re-centre. */
  static int[] kMeans(Sparse[] points, int k, SplittableRandom random) {
    int n = points.length;
    float[][] centres = new float[k][];
    centres[0] = dense(points[random.nextInt(n)]);
    double[] distance = new double[n];
    Arrays.fill(distance, Double.MAX_VALUE);
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        distance[i] = Math.min(distance[i], Math.max(0, 1 - points[i].dot(centres[c - 1])));
        total += distance[i] * distance[i];
      }
      double u = random.nextDouble() * total;
      int pick = n - 1;
      for (int i = 0; i < n; i++) {
        u -= distance[i] * distance[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
      centres[c] = dense(points[pick]);
    }
    int[] assignment = new int[n];
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      for (int i = 0; i < n; i++) {
        int best = 0;
        double bestDot = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          double d = points[i].dot(centres[c]);
          if (d > bestDot) {
            bestDot = d;
            best = c;
          }
        }
        assignment[i] = best;
      }
      float[][] sums = new float[k][DIMENSIONS];
      for (int i = 0; i < n; i++) {
        float[] sum = sums[assignment[i]];
        for (int j = 0; j < points[i].index().length; j++) {
          sum[points[i].index()[j]] += points[i].value()[j];
        }
      }
      for (int c = 0; c < k; c++) {
        double norm = 0;
        for (float x : sums[c]) {
          norm += x * x;
        }
        if (norm > 0) {
          float inverse = (float) (1 / Math.sqrt(norm));
          for (int j = 0; j < DIMENSIONS; j++) {
            sums[c][j] *= inverse;
          }
          centres[c] = sums[c];
        }
      }
    }
    return assignment;
  }

  private static float[] dense(Sparse point) {
    float[] out = new float[DIMENSIONS];
    for (int j = 0; j < point.index().length; j++) {
      out[point.index()[j]] = point.value()[j];
    }
    return out;
  }

  private static int[] shuffled(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
