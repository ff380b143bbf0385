package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream broker}: the local Kafka broker alone, with every topic, until stopped. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs a local Kafka broker (KRaft, one node, 127.0.0.1 only) in a child",
        "process, creates every dualstream topic that is missing, then waits for",
        "Ctrl-C or --duration. Other commands (ingest, train, ...) and any Kafka",
        "client reach it at 127.0.0.1:PORT. Its data stays in --data-dir; a later",
        "start on the same directory carries on with it. The broker stops with this",
        "command, and dies with it even on kill -9.",
        ""})
final class BrokerCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + KafkaBrokerProcess.DEFAULT_PORT,
      description = "Client port on 127.0.0.1; the controller takes PORT+1. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "var/broker",
      description = "The broker's data and log (broker.log); one broker at a time. Default: ${DEFAULT-VALUE}.")
  private Path dataDir;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + LocalTopics.DEFAULT_STREAM_PARTITIONS,
      description = "Partitions of search.impressions, search.clicks and training.examples when they are created "
          + "(ingest and trainer tasks); other topics get one. Default: ${DEFAULT-VALUE}.")
  private int partitions;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Override
  public Integer call() throws InterruptedException {
    if (partitions < 1) {
      throw new UserError("--partitions must be at least 1, got " + partitions);
    }
    runFor.check();
    Duration duration = runFor.duration;
    PrintWriter out = spec.commandLine().getOut();
    // On Ctrl-C the broker's own hook stops it; this one lets the last line out.
    try (GracefulStop stop = GracefulStop.install("broker", Duration.ofSeconds(40), () -> { });
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder(dataDir).port(port).start()) {
      LocalTopics.create(broker.bootstrapServers(), partitions);
      out.printf("broker: ready on %s (pid %d, data %s, log %s)%n", broker.bootstrapServers(), broker.pid(),
          dataDir, broker.logFile());
      out.printf("broker: topics created where missing (%d partitions for impressions, clicks, examples); %s%n",
          partitions, runFor.stops());
      OptionalInt exit = broker.awaitExit(duration == null ? Duration.ofMillis(Long.MAX_VALUE) : duration);
      if (exit.isPresent() && !stop.requested()) {
        throw new UserError("the broker exited by itself (code " + exit.getAsInt() + "); see " + broker.logFile());
      }
      out.println("broker: stopping");
      broker.close();
      out.println("broker: stopped");
    }
    return 0;
  }
}
