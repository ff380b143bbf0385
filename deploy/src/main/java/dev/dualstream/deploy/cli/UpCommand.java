package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.loop.Loop;
import dev.dualstream.deploy.loop.LoopOptions;
import dev.dualstream.deploy.loop.LoopReport;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.evaluator.simulate.UserInterests;
import dev.dualstream.trainer.distill.Classroom;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.model.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dualstream up}: the whole loop on this machine, each component in its own process. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs the whole loop on this machine until Ctrl-C or --duration: a local Kafka",
        "broker, then the evaluator (evaluate --follow), ingest, the trainer and the",
        "search simulator, each in a process of its own as in a deployment, their",
        "output merged on the console behind their names. A component that dies is",
        "started again (the trainer from its newest checkpoint), and the console says",
        "so. The simulator serves the newest committed version (hybrid with BM25) and",
        "explores on a tenth of the searches, as `simulate` does by default. At the",
        "end the components stop in the order data flows, each committing what it",
        "holds, then the broker; nothing is left running, even after kill -9.",
        "--report-json writes every version's scores and the last version's results.",
        ""})
final class UpCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "100",
      description = "Simulated searches per second (about 0.7 clicks each); the trainer keeps up with more "
          + "than ten times this. Default: ${DEFAULT-VALUE}.")
  private double rate;

  @Option(names = "--version-every", paramLabel = "STEPS", defaultValue = "150",
      description = "The trainer publishes a version every STEPS steps (batch 32, negatives " + Loop.NEGATIVES
          + "); each is scored. Default: ${DEFAULT-VALUE}.")
  private int versionEvery;

  @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "30s",
      converter = DurationConverter.class,
      description = "The trainer's checkpoint interval: versions and metrics become visible at each. "
          + "Default: ${DEFAULT-VALUE}.")
  private Duration checkpointInterval;

  @Option(names = "--eval-queries", paramLabel = "N", defaultValue = "0",
      description = "Queries of the test (and dev) split the evaluator scores per version; 0: all. "
          + "Default: ${DEFAULT-VALUE}.")
  private int evalQueries;

  @Mixin
  private CommonOptions.Seed seed;

  @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "" + KafkaBrokerProcess.DEFAULT_PORT,
      description = "The broker's port on 127.0.0.1; the controller takes PORT+1. Default: ${DEFAULT-VALUE}.")
  private int kafkaPort;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "var/up",
      description = "Broker data, ingest state, checkpoints, models and each component's log; emptied at start. "
          + "Default: ${DEFAULT-VALUE}.")
  private Path workDir;

  @Option(names = "--student", paramLabel = "SPEC",
      description = "Train a distilled student beside the model, as `train --student` does (repeat for more); the "
          + "evaluator scores its versions too. SPEC: " + StudentSpec.SYNTAX + ".")
  private List<String> students = new ArrayList<>();

  @Option(names = "--serve", paramLabel = "NAME", defaultValue = ModelConfig.DEFAULT_MODEL_NAME,
      description = "The model whose newest version the search serves: the model, or a student by its name, to "
          + "see what the smaller model costs in quality and gains in speed. Default: ${DEFAULT-VALUE}.")
  private String serve;

  @Option(names = "--user-interests", paramLabel = "SPEC", defaultValue = "off",
      description = "The simulated users' topics, as `simulate --user-interests` takes them: "
          + UserInterests.SYNTAX + ". Default: ${DEFAULT-VALUE}.")
  private String userInterests;

  @Option(names = "--report-json", paramLabel = "FILE",
      description = "At the end, write every version's scores and the last version's results as JSON to FILE.")
  private Path reportJson;

  @Override
  public Integer call() throws InterruptedException {
    runFor.check();
    LoopOptions options;
    try {
      options = new LoopOptions(dataset.dir, workDir, kafkaPort, runFor.duration, rate, seed.value, versionEvery,
          checkpointInterval, evalQueries, Optional.ofNullable(reportJson), students, serve, userInterests);
      // Refused here, in one line, rather than by the trainer once the loop runs: the loop trains the default model.
      List<StudentSpec> taught = new ArrayList<>();
      for (String student : students) {
        taught.add(StudentSpec.parse(student, ModelConfig.defaults()));
      }
      Classroom.check(ModelConfig.defaults(), taught);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    dataset.checked();
    PathChecks.requireParentDirectory("--report-json", reportJson);
    PrintWriter out = spec.commandLine().getOut();
    Loop loop = new Loop(options, DualstreamCli.class.getName(), out::println);
    // A stop lets every component stop and commit, then the broker.
    try (GracefulStop stop = GracefulStop.install("up", Duration.ofMinutes(5), loop::stop)) {
      LoopReport report = loop.run();
      report.last().ifPresent(r -> out.println(EvaluateCommand.line(r)));
      if (reportJson != null) {
        report.write(reportJson);
        out.println("up: report written to " + reportJson);
      }
    } catch (IllegalStateException e) {
      throw new UserError(e.getMessage(), e);
    }
    return 0;
  }
}
