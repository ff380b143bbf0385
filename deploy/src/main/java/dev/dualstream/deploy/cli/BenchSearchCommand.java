package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.bench.SearchBenchmark;
import dev.dualstream.evaluator.beir.BeirReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream bench search}: exact dense top-k over the corpus, queries per second. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Times exact top-k search over the whole corpus with a trained version's",
        "embeddings: embeds the corpus and the split's queries once, then scores",
        "every query against every document on --threads threads, one warm-up round",
        "and --rounds timed ones; prints queries per second (the median round).",
        "--export-vectors writes the same vectors as .npy files, with their ids and",
        "dualstream's own top k, so another library can be timed on them (see",
        "benchmarks/search/faiss_exact.py for FAISS's exact inner-product index).",
        ""})
final class BenchSearchCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--version-dir", paramLabel = "DIR", required = true,
      description = "A model version directory, for example var/up/models/dual-encoder/7 after `up`, or "
          + "var/models/dual-encoder/N after `train`.")
  private Path versionDir;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--split", paramLabel = "NAME", defaultValue = "test",
      description = "The qrels split whose queries are searched. Default: ${DEFAULT-VALUE}.")
  private String split;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "Threads that score queries. Default: ${DEFAULT-VALUE}.")
  private int threads;

  @Option(names = "-k", paramLabel = "K", defaultValue = "100",
      description = "Results per query. Default: ${DEFAULT-VALUE}.")
  private int k;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
      description = "Timed rounds; the median is the result. Default: ${DEFAULT-VALUE}.")
  private int rounds;

  @Option(names = "--export-vectors", paramLabel = "DIR",
      description = "Also write DIR/documents.npy and DIR/queries.npy (float32, one row per vector), "
          + "documents.txt and queries.txt (their ids) and dualstream-top.npy (int32, each query's top k "
          + "as document rows).")
  private Path exportDir;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
  private Path json;

  @Override
  public Integer call() throws IOException {
    PathChecks.requireDirectory("--version-dir", versionDir);
    dataset.checked();
    PathChecks.requireParentDirectory("--json", json);
    SearchBenchmark.Options options;
    try {
      options = new SearchBenchmark.Options(versionDir, BeirReader.read(dataset.dir), split, threads, k, rounds,
          exportDir);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    SearchBenchmark.Result result;
    try {
      result = SearchBenchmark.run(options, line -> out.println("bench search: " + line));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    out.printf(Locale.ROOT, "bench search: %,.0f queries/s (median of %d rounds), exact top %d of %,d documents,"
        + " %,d queries, %d threads%n", result.qps(), rounds, k, result.documents(), result.queries(), threads);
    if (json != null) {
      Files.writeString(json, result.toJson() + System.lineSeparator(), StandardCharsets.UTF_8);
      out.println("figures written to " + json);
    }
    return 0;
  }
}
