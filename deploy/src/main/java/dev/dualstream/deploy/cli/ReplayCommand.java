package dev.dualstream.deploy.cli;

import dev.dualstream.evaluator.record.Replayer;
import dev.dualstream.schemas.KafkaConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dualstream replay}: a recording back into Kafka. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Plays a recording made by `record` back into Kafka: every record to the same",
        "partition of the topic of the same name (after --topic-prefix), with its key,",
        "value, headers and timestamp, in recorded order, paced by the recorded",
        "timestamps at --speed. The target topics must exist with at least the",
        "recorded partitions. Streams the files, so memory stays flat whatever the",
        "recording's size; prints progress and an ETA.",
        ""})
final class ReplayCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "The recording's directory.")
  private Path dir;

  @Option(names = "--speed", paramLabel = "1x|10x|max", defaultValue = "max",
      description = "Recorded time per second of replay: a factor such as 1x (as recorded) or 10x, or max (as fast"
          + " as the broker takes them). Default: ${DEFAULT-VALUE}.")
  private String speed;

  @Option(names = "--topic-prefix", paramLabel = "P", defaultValue = "",
      description = "Prepended to every recorded topic's name. Default: none.")
  private String topicPrefix;

  @Mixin
  private LiveOptions.Kafka kafka;

  @Mixin
  private LiveOptions.Progress progressEvery;

  @Override
  public Integer call() throws InterruptedException {
    progressEvery.check();
    KafkaConnection connection = kafka.connection();
    Replayer.Options options;
    Replayer.Contents contents;
    try {
      options = new Replayer.Options(Replayer.Options.parseSpeed(speed), topicPrefix);
    } catch (IllegalArgumentException e) {
      throw new UserError("--speed: " + e.getMessage(), e);
    }
    try {
      contents = Replayer.contents(dir);
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new UserError(e.getMessage(), e);
    }
    PrintWriter console = spec.commandLine().getOut();
    console.printf(Locale.ROOT, "replay: %,d records in %d files of %s into %s (topics %s), speed %s%n",
        contents.records(), contents.files().size(), dir, connection, contents.partitionsPerTopic().keySet(),
        speed);
    long every = progressEvery.every.toNanos();
    long[] lastLine = {System.nanoTime()};
    try (GracefulStop stop = GracefulStop.install("replay", Duration.ofSeconds(30), () -> { })) {
      long sent;
      try {
        sent = Replayer.replay(dir, connection, options, stop::requested, p -> {
          if (System.nanoTime() - lastLine[0] >= every) {
            lastLine[0] = System.nanoTime();
            console.printf(Locale.ROOT, "replay: %,d of %,d records (%.0f%%), %,.0f/s, ETA %s%n", p.sent(), p.total(),
                100.0 * p.sent() / Math.max(1, p.total()), p.recordsPerSecond(),
                DurationConverter.format(Duration.ofSeconds(Math.max(1, p.eta().toSeconds()))));
            console.flush();
          }
        });
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      console.printf(Locale.ROOT, "replay: %s, %,d of %,d records sent and acknowledged%n",
          sent == contents.records() ? "done" : "stopped", sent, contents.records());
      console.flush();
    }
    return 0;
  }
}
