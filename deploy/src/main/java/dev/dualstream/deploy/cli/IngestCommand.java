package dev.dualstream.deploy.cli;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.deploy.metrics.KafkaMetricsCollector;
import dev.dualstream.deploy.metrics.MetricsEndpoint;
import dev.dualstream.ingest.Account;
import dev.dualstream.ingest.IngestApp;
import dev.dualstream.ingest.IngestCounts;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.ingest.RunningIngest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream ingest}: the ingest stage against a running broker, until stopped. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs the ingest stage (Kafka Streams, exactly_once_v2) against a running",
        "Kafka: joins search.impressions and search.clicks with the documents of",
        "corpus.documents into training.examples, and sends every record it cannot",
        "use to deadletter.ingest with the reason and its source offset. Runs until",
        "Ctrl-C or --duration, printing progress; a restart carries on from the",
        "committed offsets and state. The input topics must exist, impressions and",
        "clicks with the same number of partitions (`dualstream broker` makes them).",
        ""})
final class IngestCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Option(names = "--option", paramLabel = "KEY=VALUE",
      description = "An ingest option, repeatable; the keys and their defaults are listed below.")
  private Map<String, String> options = new LinkedHashMap<>();

  @Mixin
  private LiveOptions.Progress progress;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "" + MetricsEndpoint.INGEST_PORT,
      description = LiveOptions.METRICS_PORT_HELP)
  private int metricsPort;

  /** Lists the ingest options under the command's help; they are declared once, in {@link IngestOptions}. */
  static void describeOptions(CommandLine ingest) {
    List<String> lines = new ArrayList<>(List.of("", "Ingest options (--option KEY=VALUE):"));
    for (IngestOptions.Option o : IngestOptions.OPTIONS) {
      lines.add("  " + o.key() + " (default: " + o.defaultValue() + ")");
      HelpLayout.wrap(o.description(), 72, 72).forEach(line -> lines.add("      " + line));
    }
    ingest.getCommandSpec().usageMessage().footer(lines.toArray(String[]::new));
  }

  @Override
  public Integer call() throws InterruptedException {
    IngestOptions parsed;
    try {
      parsed = IngestOptions.parse(options);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    runFor.check();
    progress.check();
    KafkaConnection connection = kafka.connection();
    Duration duration = runFor.duration;
    Duration progressEvery = progress.every;
    PrintWriter out = spec.commandLine().getOut();
    Optional<MetricsEndpoint> metrics = LiveOptions.metrics(metricsPort);
    RunningIngest ingest;
    try {
      ingest = IngestApp.start(parsed, connection);
    } catch (IllegalStateException e) {
      metrics.ifPresent(MetricsEndpoint::close);
      throw new UserError(e.getMessage(), e);
    }
    metrics.ifPresent(m -> m
        .counter("dualstream_ingest_input_records", "Input records read (impressions, clicks, documents).",
            () -> ingest.counts().inputRecords())
        .counter("dualstream_ingest_outcomes", "Input records by what became of them, settled: input/outcome.",
            "account", () -> accounts(ingest.counts(), false))
        .gauge("dualstream_ingest_open", "Input records not settled yet (windows open, waiting): input/outcome.",
            "account", () -> accounts(ingest.counts(), true))
        .register(new KafkaMetricsCollector("kafka_streams", ingest::streamsMetrics)));
    // A stop closes ingest at once (it commits what it joined); the loop below then ends.
    try (GracefulStop stop = GracefulStop.install("ingest", Duration.ofSeconds(30),
        () -> ingest.close(Duration.ofSeconds(10)))) {
      out.printf("ingest: %s on %s, state in %s; %s%n", parsed.applicationId(), connection, parsed.stateDir(),
          runFor.stops());
      long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
      IngestCounts last = ingest.counts();
      long lastAt = System.nanoTime();
      try {
        while (true) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || ingest.awaitStopped(Duration.ofNanos(Math.min(left, progressEvery.toNanos())))) {
            break;
          }
          IngestCounts now = ingest.counts();
          long at = System.nanoTime();
          out.println(progress(now, last, (at - lastAt) / 1e9, ingest));
          last = now;
          lastAt = at;
        }
      } finally {
        ingest.close();
        metrics.ifPresent(MetricsEndpoint::close);
      }
      if (ingest.failure().isPresent()) {
        throw new UserError("ingest stopped after a failure: " + ingest.failure().get(), ingest.failure().get());
      }
      IngestCounts end = ingest.counts();
      out.printf("ingest: stopped; %,d input records read, %,d examples, %,d dead letters%n", end.inputRecords(),
          end.examples(), end.deadLetters());
    }
    return 0;
  }

  /** The accounts, settled or open, by "input/outcome". */
  private static Map<String, Double> accounts(IngestCounts counts, boolean open) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Account a : Account.values()) {
      if (a.isOpen() == open) {
        out.put(a.input() + "/" + a.outcome(), (double) counts.get(a));
      }
    }
    return out;
  }

  private static String progress(IngestCounts now, IngestCounts before, double seconds, RunningIngest ingest) {
    String lag;
    try {
      lag = String.format("%,d", ingest.lag());
    } catch (RuntimeException e) {
      lag = "unknown (" + e.getMessage() + ")";
    }
    return String.format("ingest: %s, %,d input records (%,.0f/s), %,d examples, %,d dead letters, lag %s",
        ingest.state(), now.inputRecords(), (now.inputRecords() - before.inputRecords()) / seconds, now.examples(),
        now.deadLetters(), lag);
  }
}
