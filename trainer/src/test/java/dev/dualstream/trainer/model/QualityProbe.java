package dev.dualstream.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * A hand-run quality probe, not a test (surefire does not pick it up): trains the default dual
 * encoder on debian-pkgdesc train pairs (query synopsis, package description) in shuffled order
 * for a budget of examples or seconds, and reports Recall@10 and MRR@10 by exact top-10 over the
 * whole corpus for the first test queries, untrained against trained, with steps/s and examples/s.
 *
 * <p>Run from the trainer module, DJL offline:
 *
 * <pre>
 *   ../mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   DJL_OFFLINE=true java -Dai.djl.offline=true -Dprobe.seconds=180 \
 *       -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *       dev.dualstream.trainer.model.QualityProbe
 * </pre>
 *
 * <p>Knobs (system properties, defaults from {@link ModelConfig#defaults()}): {@code probe.data}
 * (dataset dir; else {@code <repo root>/data/debian-pkgdesc}, then {@code
 * ../shared/data/debian-pkgdesc}), {@code probe.seconds} (training time, default 180), {@code
 * probe.examples} (example budget), {@code probe.batch}, {@code probe.lr}, {@code probe.tableLr},
 * {@code probe.buckets}, {@code probe.scale}, {@code probe.init}, {@code probe.threads}, {@code
 * probe.maxQuery}, {@code probe.maxDoc}, {@code probe.queries} (test queries, default 1000),
 * {@code probe.evalEvery} (seconds of training between evaluations), {@code probe.logEvery}
 * (steps), {@code probe.seed}.
 */
public final class QualityProbe {

  private static final ObjectMapper JSON = new ObjectMapper();

  private QualityProbe() {}

  public static void main(String[] args) throws IOException {
    Path data = dataset();
    long seed = Long.getLong("probe.seed", 42);
    ModelConfig config = config();
    int testQueries = Integer.getInteger("probe.queries", 1000);
    double seconds = Double.parseDouble(System.getProperty("probe.seconds", "180"));
    long budget = Long.getLong("probe.examples", Long.MAX_VALUE);
    double evalEvery = Double.parseDouble(System.getProperty("probe.evalEvery", "0"));
    log("config %s", config.toJson());
    log("load at start %.2f", load());

    Map<String, DocumentText> corpus = readCorpus(data.resolve("corpus.jsonl.gz"));
    Map<String, String> queries = readQueries(data.resolve("queries.jsonl.gz"));
    List<String[]> train = readQrels(data.resolve("qrels/train.tsv"));
    List<String[]> test = readQrels(data.resolve("qrels/test.tsv")).subList(0, testQueries);
    List<DocumentText> docs = new ArrayList<>(corpus.values());
    log("corpus %d docs, %d train pairs, %d test queries", docs.size(), train.size(), test.size());

    Evaluation eval = new Evaluation(docs, test, queries);
    try (RetrievalModel untrained = ModelStore.untrained(config, seed)) {
      log("untrained: %s", eval.run(untrained));
    }
    try (DualEncoderTrainer trainer = DualEncoderTrainer.create(config, seed)) {
      long t0 = System.nanoTime();
      List<TrainingPair> pairs = new ArrayList<>();
      for (String[] qrel : train) {
        pairs.add(TrainingPair.of(trainer.featurizer(), queries.get(qrel[0]), corpus.get(qrel[1])));
      }
      log("featurized %d pairs in %.1f s", pairs.size(), (System.nanoTime() - t0) / 1e9);
      train(trainer, pairs, seed, seconds, budget, evalEvery, eval);
      try (RetrievalModel trained = trainer.asRetrievalModel()) {
        log("trained after %d steps, %d examples: %s", trainer.steps(), trainer.examples(),
            eval.run(trained));
      }
    }
    log("load at end %.2f", load());
  }

  private static void train(DualEncoderTrainer trainer, List<TrainingPair> pairs, long seed,
      double seconds, long budget, double evalEvery, Evaluation eval) {
    Random random = new Random(seed);
    int batchSize = trainer.config().batchSize();
    long trainNanos = 0;
    long[] phases = new long[3];
    double lossSum = 0;
    double accSum = 0;
    int window = 0;
    double nextEval = evalEvery;
    int epoch = 0;
    outer:
    while (true) {
      Collections.shuffle(pairs, random);
      epoch++;
      for (int from = 0; from + batchSize <= pairs.size(); from += batchSize) {
        if (trainNanos / 1e9 >= seconds || trainer.examples() + batchSize > budget) {
          break outer;
        }
        StepResult r = trainer.step(pairs.subList(from, from + batchSize));
        trainNanos += r.totalNanos();
        phases[0] += r.forwardNanos();
        phases[1] += r.backwardNanos();
        phases[2] += r.optimizerNanos();
        lossSum += r.loss();
        accSum += r.accuracy();
        window++;
        if (trainer.steps() % Integer.getInteger("probe.logEvery", 200) == 0) {
          log("epoch %d step %d: loss %.3f acc %.3f, %.1f steps/s, %.0f ex/s (fwd %.1f bwd %.1f"
                  + " opt %.1f ms/step), rows %d, load %.2f",
              epoch, trainer.steps(), lossSum / window, accSum / window,
              trainer.steps() / (trainNanos / 1e9), trainer.examples() / (trainNanos / 1e9),
              phases[0] / 1e6 / trainer.steps(), phases[1] / 1e6 / trainer.steps(),
              phases[2] / 1e6 / trainer.steps(), r.touchedRows(), load());
          lossSum = 0;
          accSum = 0;
          window = 0;
        }
        if (evalEvery > 0 && trainNanos / 1e9 >= nextEval) {
          nextEval += evalEvery;
          try (RetrievalModel model = trainer.asRetrievalModel()) {
            log("at %.0f s train time, %d examples: %s", trainNanos / 1e9, trainer.examples(),
                eval.run(model));
          }
        }
      }
    }
    log("trained %.1f s: %d steps, %.2f steps/s, %.0f examples/s", trainNanos / 1e9,
        trainer.steps(), trainer.steps() / (trainNanos / 1e9),
        trainer.examples() / (trainNanos / 1e9));
  }

  /** Exact top-10 over the whole corpus by dot product of unit vectors. */
  private static final class Evaluation {
    private final List<DocumentText> docs;
    private final List<String> queryTexts = new ArrayList<>();
    private final int[] relevant;

    Evaluation(List<DocumentText> docs, List<String[]> qrels, Map<String, String> queries) {
      this.docs = docs;
      Map<String, Integer> position = new HashMap<>();
      for (int i = 0; i < docs.size(); i++) {
        position.put(docs.get(i).id(), i);
      }
      relevant = new int[qrels.size()];
      for (int i = 0; i < qrels.size(); i++) {
        queryTexts.add(queries.get(qrels.get(i)[0]));
        relevant[i] = position.get(qrels.get(i)[1]);
      }
    }

    String run(RetrievalModel model) {
      long t0 = System.nanoTime();
      float[][] d = model.embedDocuments(docs);
      float[][] q = model.embedQueries(queryTexts);
      int hits = 0;
      double mrr = 0;
      for (int i = 0; i < q.length; i++) {
        float own = dot(q[i], d[relevant[i]]);
        int better = 0;
        for (int j = 0; j < d.length && better < 10; j++) {
          if (j != relevant[i] && dot(q[i], d[j]) >= own) {
            better++;
          }
        }
        if (better < 10) {
          hits++;
          mrr += 1.0 / (better + 1);
        }
      }
      return String.format(Locale.ROOT, "Recall@10 %.4f MRR@10 %.4f (eval %.1f s)",
          (double) hits / q.length, mrr / q.length, (System.nanoTime() - t0) / 1e9);
    }

    private static float dot(float[] a, float[] b) {
      float s = 0;
      for (int k = 0; k < a.length; k++) {
        s += a[k] * b[k];
      }
      return s;
    }
  }

  /** The default configuration, with any knob given as a system property overriding it. */
  private static ModelConfig config() {
    ModelConfig d = ModelConfig.defaults();
    ModelConfig.Builder b = d.toBuilder();
    b.batchSize(Integer.getInteger("probe.batch", d.batchSize()));
    b.buckets(Integer.getInteger("probe.buckets", d.buckets()));
    b.threads(Integer.getInteger("probe.threads", d.threads()));
    b.maxIds(Integer.getInteger("probe.maxQuery", d.maxQueryIds()),
        Integer.getInteger("probe.maxDoc", d.maxDocIds()));
    b.scale(doubleProperty("probe.scale", d.scale()));
    b.embeddingInitScale(doubleProperty("probe.init", d.embeddingInitScale()));
    b.learningRate(doubleProperty("probe.lr", d.learningRate()));
    b.embeddingLearningRate(doubleProperty("probe.tableLr",
        doubleProperty("probe.lr", d.embeddingLearningRate())));
    return b.build();
  }

  private static double doubleProperty(String key, double fallback) {
    String value = System.getProperty(key);
    return value == null ? fallback : Double.parseDouble(value);
  }

  private static Path dataset() {
    String explicit = System.getProperty("probe.data");
    if (explicit != null) {
      return Path.of(explicit);
    }
    for (String candidate : List.of("../data/debian-pkgdesc", "data/debian-pkgdesc",
        "../shared/data/debian-pkgdesc", "../../shared/data/debian-pkgdesc")) {
      if (Files.isDirectory(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    throw new IllegalStateException("debian-pkgdesc not found; pass -Dprobe.data=DIR");
  }

  private static Map<String, DocumentText> readCorpus(Path file) throws IOException {
    Map<String, DocumentText> docs = new LinkedHashMap<>();
    for (JsonNode node : readJsonLines(file)) {
      String id = node.get("_id").asText();
      docs.put(id,
          new DocumentText(id, node.path("title").asText(""), node.path("text").asText("")));
    }
    return docs;
  }

  private static Map<String, String> readQueries(Path file) throws IOException {
    Map<String, String> queries = new HashMap<>();
    for (JsonNode node : readJsonLines(file)) {
      queries.put(node.get("_id").asText(), node.get("text").asText());
    }
    return queries;
  }

  private static List<JsonNode> readJsonLines(Path file) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          nodes.add(JSON.readTree(line));
        }
      }
    }
    return nodes;
  }

  private static List<String[]> readQrels(Path file) throws IOException {
    List<String[]> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        rows.add(line.split("\t"));
      }
    }
    return rows;
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[probe] " + format + "%n", args);
    System.out.flush();
  }
}
