package dev.dualstream.deploy.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.trainer.bench.NpyWriter;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bench search}: exact top-k over the whole corpus with a trained version's embeddings. The corpus and
 * the split's queries are embedded once; each round then scores every query against every document
 * ({@link DenseIndex#searchVectors}) on the given threads, and the figure is queries per second of that
 * scoring alone, the median of the rounds after one warm-up round. The same vectors can be written as
 * {@code .npy} files (with the ids and dualstream's own top k) for another library to be timed on.
 */
public final class SearchBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /**
   * @param versionDir the model version whose embeddings are searched
   * @param split the queries searched (every query of the split with a judgment)
   * @param threads scoring threads
   * @param k results per query
   * @param rounds timed rounds, after one warm-up round
   * @param exportDir where to write the vectors, or null
   */
  public record Options(Path versionDir, BeirDataset dataset, String split, int threads, int k, int rounds,
      Path exportDir) {
    public Options {
      if (threads < 1 || k < 1 || rounds < 1) {
        throw new IllegalArgumentException("threads, k and rounds must be at least 1");
      }
    }
  }

  /**
   * What a run measured; JSON keys are the snake_case names.
   *
   * @param qps queries per second, the median of the rounds
   * @param kernel the scoring kernel that ran ("simd-512", "simd-256" or "scalar", see DenseIndex)
   * @param roundsQps every round's queries per second
   */
  public record Result(double qps, String kernel, int threads, int k, int queries, int documents, int dimension, int cores,
      String versionDir, double embedSeconds, List<Double> roundsQps) {
    public String toJson() {
      try {
        return JSON.writeValueAsString(this);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the benchmark result as JSON", e);
      }
    }
  }

  private SearchBenchmark() {}

  public static Result run(Options options, Consumer<String> log) throws IOException {
    BeirDataset data = options.dataset();
    List<String> queryIds = new ArrayList<>();
    for (String id : data.qrels(options.split()).queriesWithRelevant()) {
      if (data.queries().containsKey(id)) {
        queryIds.add(id);
      }
    }
    if (queryIds.isEmpty()) {
      throw new IllegalArgumentException("split " + options.split() + " of " + data.name() + " has no query to search");
    }
    long start = System.nanoTime();
    try (RetrievalModel model = ModelStore.load(options.versionDir());
        DenseIndex index = DenseIndex.build(model, data.corpus(), 256, options.threads())) {
      float[] queries = index.embedQueries(queryIds.stream().map(data.queries()::get).toList());
      double embedSeconds = (System.nanoTime() - start) / 1e9;
      log.accept(String.format(Locale.ROOT, "embedded %,d documents and %,d queries (%d dimensions) in %.1f s",
          index.size(), queryIds.size(), index.dimension(), embedSeconds));
      List<List<ScoredDocument>> top = index.searchVectors(queries, options.k()); // warm-up
      double[] qps = new double[options.rounds()];
      for (int r = 0; r < qps.length; r++) {
        long t0 = System.nanoTime();
        index.searchVectors(queries, options.k());
        qps[r] = queryIds.size() / ((System.nanoTime() - t0) / 1e9);
        log.accept(String.format(Locale.ROOT, "round %d: %,.0f queries/s on %d threads", r + 1, qps[r],
            options.threads()));
      }
      if (options.exportDir() != null) {
        export(options.exportDir(), index, queries, queryIds, top, options.k());
        log.accept("vectors written to " + options.exportDir());
      }
      List<Double> rounds = Arrays.stream(qps).boxed().toList();
      return new Result(PipelineBenchmark.median(rounds), index.kernel(), options.threads(), options.k(), queryIds.size(), index.size(),
          index.dimension(), Runtime.getRuntime().availableProcessors(), options.versionDir().toString(),
          embedSeconds, rounds);
    }
  }

  /**
   * documents.npy and queries.npy (float32, one row per vector), documents.txt and queries.txt (their ids,
   * one per line, in the same order), dualstream-top.npy (int32, each query's top k as document rows).
   */
  private static void export(Path dir, DenseIndex index, float[] queries, List<String> queryIds,
      List<List<ScoredDocument>> top, int k) throws IOException {
    Files.createDirectories(dir);
    int d = index.dimension();
    List<String> docIds = index.documentIds();
    NpyWriter.writeFloat32(dir.resolve("documents.npy"), index.documentVectors(), docIds.size(), d);
    NpyWriter.writeFloat32(dir.resolve("queries.npy"), queries, queryIds.size(), d);
    Files.write(dir.resolve("documents.txt"), docIds, StandardCharsets.UTF_8);
    Files.write(dir.resolve("queries.txt"), queryIds, StandardCharsets.UTF_8);
    Map<String, Integer> row = new HashMap<>(docIds.size() * 2);
    for (int i = 0; i < docIds.size(); i++) {
      row.put(docIds.get(i), i);
    }
    int width = Math.min(k, docIds.size());
    int[] rows = new int[queryIds.size() * width];
    Arrays.fill(rows, -1);
    for (int q = 0; q < top.size(); q++) {
      List<ScoredDocument> ranked = top.get(q);
      for (int i = 0; i < ranked.size() && i < width; i++) {
        rows[q * width + i] = row.get(ranked.get(i).id());
      }
    }
    NpyWriter.writeInt32(dir.resolve("dualstream-top.npy"), rows, queryIds.size(), width);
  }
}
