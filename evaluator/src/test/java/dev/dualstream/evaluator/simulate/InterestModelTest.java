package dev.dualstream.evaluator.simulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.testing.RecordingSink;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.trainer.model.DocumentText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InterestModelTest {

  /** Forty queries on two topics that share no word: perl modules and kernel drivers. */
  private static BeirDataset twoTopics() {
    List<DocumentText> corpus = new ArrayList<>();
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    String[] perl = {"json", "yaml", "xml", "http", "dbi", "moose", "template", "cgi", "mail", "date"};
    String[] kernel = {"wifi", "usb", "nvidia", "sound", "bluetooth", "firmware", "raid", "tpm", "gpio", "acpi"};
    for (int i = 0; i < 20; i++) {
      String p = perl[i % 10] + (i / 10);
      String k = kernel[i % 10] + (i / 10);
      corpus.add(new DocumentText("p" + i, "libperl-" + p, "perl module cpan library for " + p + " parsing"));
      corpus.add(new DocumentText("k" + i, "linux-" + k, "kernel driver module firmware for " + k + " hardware"));
      queries.put("qp" + i, "perl " + p + " module");
      queries.put("qk" + i, "kernel " + k + " driver");
      qrels.put("qp" + i, Map.of("p" + i, 1));
      qrels.put("qk" + i, Map.of("k" + i, 1));
    }
    return BeirDataset.of("topics", corpus, queries, Map.of("train", Qrels.of(qrels)));
  }

  private static InterestModel build(UserInterests interests, int users, long seed) {
    BeirDataset dataset = twoTopics();
    Qrels train = dataset.qrels("train");
    return InterestModel.build(dataset, train, train.queriesWithRelevant(), interests, users, 0, seed);
  }

  @Test
  void topicsAreFoundAndEveryChoiceIsSeeded() {
    InterestModel model = build(new UserInterests(2, 0.1, 0), 50, 7);
    int perl = model.clusterOf("qp0");
    int kernel = model.clusterOf("qk0");
    assertTrue(perl != kernel, "the two topics share a cluster");
    for (int i = 0; i < 20; i++) {
      assertEquals(perl, model.clusterOf("qp" + i), "qp" + i);
      assertEquals(kernel, model.clusterOf("qk" + i), "qk" + i);
    }
    InterestModel again = build(new UserInterests(2, 0.1, 0), 50, 7);
    for (int u = 0; u < 50; u++) {
      assertArrayEquals(model.mixture(u), again.mixture(u), "user " + u);
    }
    assertArrayEquals(new int[] {20, 20}, model.clusterSizes());
  }

  @Test
  void aSmallAlphaGivesUsersFewTopicsAndALargeOneMakesThemAlike() {
    SplittableRandom random = new SplittableRandom(3);
    double peakedMax = 0;
    double flatMax = 0;
    for (int u = 0; u < 500; u++) {
      peakedMax += max(InterestModel.dirichlet(10, 0.1, random)) / 500;
      flatMax += max(InterestModel.dirichlet(10, 100, random)) / 500;
    }
    assertTrue(peakedMax > 0.6, "alpha 0.1: mean largest share " + peakedMax);
    assertTrue(flatMax < 0.2, "alpha 100: mean largest share " + flatMax);
    // Gamma(shape, 1) has mean and variance both equal to its shape; 40,000 draws put the sample
    // mean within about 4 standard errors (4 sqrt(shape / 40000)) and the variance within 10%.
    for (double shape : new double[] {0.3, 1, 4.5}) {
      int n = 40_000;
      double[] draws = new double[n];
      double mean = 0;
      for (int i = 0; i < n; i++) {
        draws[i] = InterestModel.gamma(shape, random);
        assertTrue(draws[i] >= 0, "a Gamma draw is never negative");
        mean += draws[i] / n;
      }
      double variance = 0;
      for (double x : draws) {
        variance += (x - mean) * (x - mean) / (n - 1);
      }
      assertEquals(shape, mean, 4 * Math.sqrt(shape / n), "mean of Gamma(" + shape + ")");
      assertEquals(shape, variance, 0.1 * shape, "variance of Gamma(" + shape + ")");
    }
  }

  @Test
  void theSimulatorsUsersSearchTheirOwnTopicsAndHeldOutUsersTheirOwnQueries() {
    BeirDataset dataset = twoTopics();
    UserInterests interests = new UserInterests(2, 0.05, 0.25);
    SimulationConfig config = SimulationConfig.defaults(5, 4000).withUsers(40)
        .withTraffic(Traffic.UNIFORM.withInterests(interests));
    RecordingSink sink = new RecordingSink();
    try (ClickSimulator simulator = ClickSimulator.create(dataset, config)) {
      simulator.run(sink, SimulationProgress.none());
    }
    Qrels train = dataset.qrels("train");
    InterestModel model = InterestModel.build(dataset, train, train.queriesWithRelevant(), interests, 40, 0, 5);
    Map<String, int[]> topicsByUser = new HashMap<>();
    int heldOutSearches = 0;
    for (Impression impression : sink.values(Topics.IMPRESSIONS)) {
      int user = Integer.parseInt(impression.getUserId().substring("user-".length()));
      String query = impression.getQueryId();
      assertEquals(model.heldOut(user), model.heldOutQuery(query),
          "user " + user + " (held out: " + model.heldOut(user) + ") searched " + query);
      heldOutSearches += model.heldOut(user) ? 1 : 0;
      topicsByUser.computeIfAbsent(impression.getUserId(), k -> new int[2])[model.clusterOf(query)]++;
    }
    assertTrue(heldOutSearches > 0, "no held-out user searched");
    double concentrated = 0;
    for (int[] counts : topicsByUser.values()) {
      concentrated += (double) Math.max(counts[0], counts[1]) / (counts[0] + counts[1]) / topicsByUser.size();
    }
    // IID users would split about half and half; Dirichlet(0.05) users keep to one topic.
    assertTrue(concentrated > 0.85, "share of a user's searches in their main topic: " + concentrated);
  }

  @Test
  void interestsAreReadFromTheCommandLineAndCheckedAgainstThePool() {
    assertEquals(UserInterests.NONE, UserInterests.parse("off"));
    assertEquals(new UserInterests(20, 0.1, 0.1), UserInterests.parse("clusters=20"));
    assertEquals(new UserInterests(8, 0.5, 0), UserInterests.parse("clusters=8, alpha=0.5, heldout=0"));
    for (String bad : List.of("clusters=1", "alpha=0.1", "clusters=x", "clusters=4,beta=2", "clusters=4,heldout=1")) {
      assertThrows(IllegalArgumentException.class, () -> UserInterests.parse(bad), bad);
    }
    IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
        () -> build(new UserInterests(50, 0.1, 0), 10, 1));
    assertTrue(tooMany.getMessage().contains("cannot cluster 40 queries into 50"), tooMany.getMessage());
  }

  private static double max(double[] values) {
    double m = 0;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
