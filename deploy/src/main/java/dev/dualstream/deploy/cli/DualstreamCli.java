package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.stack.BrokerStartException;
import dev.dualstream.deploy.stack.FlinkStartException;
import dev.dualstream.evaluator.beir.DatasetException;
import java.io.PrintWriter;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code dualstream} launcher. */
@Command(
    name = "dualstream",
    mixinStandardHelpOptions = true,
    versionProvider = DualstreamCli.Version.class,
    description = {
        "Keeps retrieval models fresh by training them continuously from click logs:",
        "Kafka (impressions, clicks, documents) -> Kafka Streams (training examples)",
        "-> Flink + DJL (dual encoder) -> model versions, evaluated against BM25.",
        ""},
    subcommands = {DemoCommand.class, UpCommand.class, BrokerCommand.class, ClusterCommand.class,
        SimulateCommand.class, IngestCommand.class, TrainCommand.class, EvaluateCommand.class, RecordCommand.class,
        ReplayCommand.class, BenchCommand.class, ExperimentCommand.class, CommandLine.HelpCommand.class})
public final class DualstreamCli {
  private static final Logger LOG = LoggerFactory.getLogger(DualstreamCli.class);

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI and returns its exit code (0 success, 1 failure, 2 bad usage). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new DualstreamCli());
    IngestCommand.describeOptions(cli.getSubcommands().get("ingest"));
    HelpLayout.install(cli);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("dualstream: " + e.getMessage());
      err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
        if (isUserError(cause)) {
          err.println("dualstream: " + cause.getMessage());
          return 1;
        }
        if (cause instanceof AuthenticationException) {
          LOG.error("Kafka refused the connection", e);
          err.println("dualstream: Kafka refused the connection (check --kafka-security): " + cause.getMessage());
          return 1;
        }
      }
      LOG.error("command failed", e);
      err.println("dualstream: failed: " + e + " (details in var/logs/dualstream.log)");
      return 1;
    });
    return cli.execute(args);
  }

  /** Failures whose message says all a user needs: no stack trace for these. */
  private static boolean isUserError(Throwable t) {
    return t instanceof UserError || t instanceof BrokerStartException || t instanceof FlinkStartException
        || t instanceof DatasetException;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = DualstreamCli.class.getPackage().getImplementationVersion();
      return new String[] {"dualstream " + (version == null ? "(development build)" : version)};
    }
  }
}
