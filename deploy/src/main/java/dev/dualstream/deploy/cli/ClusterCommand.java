package dev.dualstream.deploy.cli;

import dev.dualstream.deploy.stack.FlinkCluster;
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

/** {@code dualstream cluster}: a local Flink session cluster for {@code train --jobmanager}, until stopped. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Runs a local Flink session cluster (127.0.0.1 only): a JobManager and",
        "--task-managers TaskManagers, each a child process started from Flink's own",
        "entry points with this build's libraries on its class path (no Flink",
        "distribution needed), then waits for Ctrl-C or --duration. Submit the",
        "trainer with `train --jobmanager 127.0.0.1:PORT`; Flink's REST API is at",
        "http://127.0.0.1:PORT (no web UI: its jar is not in this build). Jobs",
        "bring their own code as jars. The processes stop with this command, and",
        "die with it even on kill -9.",
        ""})
final class ClusterCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--rest-port", paramLabel = "PORT", defaultValue = "" + FlinkCluster.DEFAULT_REST_PORT,
      description = "The JobManager's REST port on 127.0.0.1, for Flink's client. Default: ${DEFAULT-VALUE}.")
  private int restPort;

  @Option(names = "--rpc-port", paramLabel = "PORT", defaultValue = "" + FlinkCluster.DEFAULT_RPC_PORT,
      description = "The JobManager's RPC port, where TaskManagers register. Default: ${DEFAULT-VALUE}.")
  private int rpcPort;

  @Option(names = "--task-managers", paramLabel = "N", defaultValue = "2",
      description = "TaskManager processes. Default: ${DEFAULT-VALUE}.")
  private int taskManagers;

  @Option(names = "--task-heap-mb", paramLabel = "MB", defaultValue = "" + FlinkCluster.DEFAULT_TASK_HEAP_MB,
      description = "Each TaskManager's task heap. Flink budgets 1.2 GB more for the rest of the process (its own "
          + "heap, network buffers, off-heap, metaspace), and DJL's native memory (the model's tensors) comes on "
          + "top. The default model's trainer failed with 572 MB. Default: ${DEFAULT-VALUE}.")
  private int taskHeapMb;

  @Option(names = "--slots", paramLabel = "N", defaultValue = "2",
      description = "Task slots per TaskManager. Default: ${DEFAULT-VALUE}.")
  private int slots;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "var/flink",
      description = "The cluster's configuration (conf/config.yaml) and logs (jobmanager.log, tm1.log, ...), written "
          + "anew at each start. Default: ${DEFAULT-VALUE}.")
  private Path dir;

  @Mixin
  private LiveOptions.RunFor runFor;

  @Override
  public Integer call() throws InterruptedException {
    runFor.check();
    if (taskManagers < 1 || slots < 1) {
      throw new UserError("--task-managers and --slots must be at least 1, got " + taskManagers + " and " + slots);
    }
    if (taskHeapMb < 64) {
      throw new UserError("--task-heap-mb must be at least 64, got " + taskHeapMb);
    }
    Duration duration = runFor.duration;
    PrintWriter out = spec.commandLine().getOut();
    try (GracefulStop stop = GracefulStop.install("cluster", Duration.ofSeconds(40), () -> { });
        FlinkCluster flink = FlinkCluster.builder(dir).restPort(restPort).rpcPort(rpcPort).taskManagers(taskManagers)
            .slots(slots).taskHeapMb(taskHeapMb).start()) {
      out.printf("cluster: ready at %s (JobManager pid %d; TaskManagers %s with %d slots each; logs in %s)%n",
          flink.restAddress(), flink.jobManagerPid(), flink.registeredTaskManagers(), slots, flink.directory());
      out.printf("cluster: submit with `dualstream train --jobmanager %s`; %s%n", flink.restAddress(), runFor.stops());
      OptionalInt exit = flink.awaitJobManagerExit(duration == null ? Duration.ofMillis(Long.MAX_VALUE) : duration);
      if (exit.isPresent() && !stop.requested()) {
        throw new UserError("the JobManager exited by itself (code " + exit.getAsInt() + "); see "
            + flink.logFile("jobmanager"));
      }
      out.println("cluster: stopping");
      flink.close();
      out.println("cluster: stopped");
    }
    return 0;
  }
}
