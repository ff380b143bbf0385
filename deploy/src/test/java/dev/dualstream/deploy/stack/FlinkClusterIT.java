package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import dev.dualstream.trainer.job.FaultJobs;
import dev.dualstream.trainer.job.TrainerJob;
import dev.dualstream.trainer.job.TrainerOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer on a Flink session cluster of child processes (a JobManager, two TaskManagers), submitted with its
 * job jars through Flink's client: {@code kill -9} of the TaskManager that trains, mid-stream, and the job
 * restarts on another from the newest checkpoint on the shared path, with the fault tests' proof of exactly-once
 * ({@code FaultJobs}): every example applied once, versions and metrics committed once each, and the final state
 * bit-identical to a run without failures in a MiniCluster.
 */
@ExtendWith(KafkaBrokerExtension.class)
class FlinkClusterIT {
  /**
   * Small, so the test stays short (100 steps of 32: a version every 40 steps, and the last), but enough that
   * the kill, after the first committed version, lands mid-stream.
   */
  private static final int EXAMPLES = 3_200;
  private static final Duration WAIT = Duration.ofSeconds(120);
  /** The tiny model needs little: leaner TaskManagers than the default model's, on a shared 2-core machine. */
  private static final int TINY_TASK_HEAP_MB = 572;

  @Test
  @Timeout(300)
  void aTaskManagerKilledMidStreamCostsNoExampleAndNoBitOfTheModel(KafkaBroker broker, @TempDir Path work)
      throws Exception {
    Path shared = work.resolve("shared");
    TrainerOptions options = FaultJobs.options(broker, "cluster.", shared);
    FaultJobs.produce(broker, options, EXAMPLES);
    // The yardstick trains in this JVM while the cluster's processes start.
    CompletableFuture<Map<String, byte[]>> reference = CompletableFuture.supplyAsync(() -> reference(broker));

    List<String> libraries = FlinkCluster.libraries(testClassPath());
    for (Path jar : TrainerJob.jobJars()) {
      assertFalse(libraries.contains(jar.toString()), "the job's code comes with the job, not the cluster: " + jar);
    }
    try (FlinkCluster flink = FlinkCluster.builder(work.resolve("flink")).restPort(FreePorts.one())
        .rpcPort(FreePorts.one()).taskHeapMb(TINY_TASK_HEAP_MB).classPath(libraries).start()) {
      assertEquals(Set.of("tm1", "tm2"), flink.registeredTaskManagers());
      JobClient job = FaultJobs.submit(options, FlinkCluster.HOST, flink.restPort(), 1);
      JobID id = job.getJobID();
      awaitWhileRunning(job, flink, () -> FaultJobs.committedVersions(options) >= 1
          && FaultJobs.examplesInNewestCheckpoint(options) > 0, "a committed version and a checkpoint");

      String victim = trainingTaskManager(flink, id);
      long applied = FaultJobs.examplesInNewestCheckpoint(options);
      long pid = flink.kill(victim);
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "TaskManager " + pid + " is gone");
      assertTrue(applied < EXAMPLES, "killed mid-stream: " + applied + " examples in the newest checkpoint");
      String replacement = flink.startTaskManager();

      job.getJobExecutionResult().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      JsonNode checkpoints = flink.get("/jobs/" + id + "/checkpoints");
      JsonNode restored = checkpoints.path("latest").path("restored");
      assertTrue(checkpoints.path("counts").path("restored").asLong() >= 1, "restored: " + checkpoints);
      assertFalse(restored.path("is_savepoint").asBoolean(true), "from a checkpoint: " + restored);
      Path from = Path.of(URI.create(restored.path("external_path").asText()));
      assertTrue(from.startsWith(options.checkpoints().directory().toAbsolutePath()),
          "restored from the shared checkpoint directory: " + from);
      assertNotEquals(victim, trainingTaskManager(flink, id), "trained on after the kill");
      assertFalse(flink.registeredTaskManagers().contains(victim), "the JobManager let " + victim + " go");
      assertTrue(flink.registeredTaskManagers().contains(replacement), "the replacement registered");

      FaultJobs.assertExactlyOnce(broker, options, EXAMPLES, reference.join());
    }
  }

  private static Map<String, byte[]> reference(KafkaBroker broker) {
    try {
      return FaultJobs.referenceState(broker, EXAMPLES);
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  /** The resource id of the TaskManager that runs (or last ran) the training task. */
  private static String trainingTaskManager(FlinkCluster flink, JobID job) {
    for (JsonNode vertex : flink.get("/jobs/" + job).path("vertices")) {
      if (vertex.path("name").asText().contains("train ")) {
        JsonNode subtasks = flink.get("/jobs/" + job + "/vertices/" + vertex.path("id").asText()).path("subtasks");
        String id = subtasks.path(0).path("taskmanager-id").asText();
        assertFalse(id.isEmpty(), "the training subtask's TaskManager: " + subtasks);
        return id;
      }
    }
    return fail("no training vertex in " + flink.get("/jobs/" + job));
  }

  private static void awaitWhileRunning(JobClient job, FlinkCluster flink, BooleanSupplier condition, String what)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (job.getJobStatus().get().isGloballyTerminalState()) {
        fail("the job ended (" + job.getJobStatus().get() + ") before " + what + "; logs in " + flink.directory());
      }
      if (System.nanoTime() > deadline) {
        fail("no " + what + " within " + WAIT + "; logs in " + flink.directory());
      }
      Thread.sleep(50);
    }
  }

  /** The test's class path as a list (failsafe hands the JVM a manifest-only jar as its class path). */
  private static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
