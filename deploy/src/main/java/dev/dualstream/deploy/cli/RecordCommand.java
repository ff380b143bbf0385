package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.record.Recorder;
import dev.dualstream.schemas.KafkaConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream record}: Kafka topics into Avro container files, resumably. */
@Command(
    name = "record",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Records Kafka topics into DIR: every committed record (read_committed) with",
        "its topic, partition, offset, timestamp, key, value and headers, in numbered",
        "Avro container files (recording-NNNNNN.avro) that any Avro tool reads,",
        "rotated by size and age. Resumable: the files are its only state, so a",
        "recorder started again on DIR continues each partition after the last",
        "record they hold, even after kill -9. Runs until Ctrl-C, --duration, or",
        "with --until-caught-up until it has what the topics held when it began.",
        "`replay DIR` plays a recording back.",
        ""})
final class RecordCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--topics", paramLabel = "TOPIC[,TOPIC...]", split = ",", required = true,
      description = "The topics to record, e.g. search.impressions,search.clicks,corpus.documents.")
  private List<String> topics;

  @Option(names = "--out", paramLabel = "DIR", required = true,
      description = "The recording's directory (created if missing; an existing recording is continued).")
  private Path out;

  @Option(names = "--max-file-mb", paramLabel = "MB", defaultValue = "64",
      description = "Finish a file once it holds this many MiB. Default: ${DEFAULT-VALUE}.")
  private long maxFileMb;

  @Option(names = "--max-file-age", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
      description = "Finish a file once it has been open this long. Default: ${DEFAULT-VALUE}.")
  private Duration maxFileAge;

  @Option(names = "--until-caught-up",
      description = "Stop once every partition reaches the end it had when the recorder began.")
  private boolean untilCaughtUp;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Mixin
  private LiveOptions.Progress progressEvery;

  @Override
  public Integer call() {
    KafkaConnection connection = kafka.connection();
    runFor.check();
    progressEvery.check();
    if (maxFileMb < 1 || maxFileAge.isZero()) {
      throw new UserError("--max-file-mb and --max-file-age must be positive");
    }
    if (topics.stream().anyMatch(String::isBlank)) {
      throw new UserError("--topics names an empty topic: " + topics);
    }
    PrintWriter console = spec.commandLine().getOut();
    Recorder recorder;
    try {
      recorder = Recorder.open(out, new Recorder.Rotation(maxFileMb << 20, maxFileAge));
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new UserError(e.getMessage(), e);
    }
    console.printf(Locale.ROOT, "record: %s into %s; %d partitions recorded before%s; %s%n", String.join(",", topics),
        out, recorder.positions().size(), recorder.recovered() > 0
            ? ", " + recorder.recovered() + " records kept from a file a stopped recorder left" : "",
        untilCaughtUp ? "stops when caught up" : runFor.stops());
    long deadline = runFor.duration == null ? Long.MAX_VALUE : System.nanoTime() + runFor.duration.toNanos();
    long every = progressEvery.every.toNanos();
    long[] lastLine = {System.nanoTime()};
    try (GracefulStop stop = GracefulStop.install("record", Duration.ofSeconds(30), () -> { })) {
      Recorder.Progress done;
      try {
        done = recorder.run(connection, topics, new Properties(), untilCaughtUp,
            () -> stop.requested() || System.nanoTime() > deadline, p -> {
              if (System.nanoTime() - lastLine[0] >= every) {
                lastLine[0] = System.nanoTime();
                console.printf(Locale.ROOT, "record: %,d records, %d files finished, per topic %s%n", p.records(),
                    p.filesFinished(), p.perTopic());
                console.flush();
              }
            });
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      console.printf(Locale.ROOT, "record: done, %,d records in %d files, per topic %s%n", done.records(),
          done.filesFinished(), done.perTopic());
      console.flush();
    }
    return 0;
  }
}
