package dev.dualstream.trainer.job;

import static dev.dualstream.trainer.job.FaultFixture.assertEveryExampleAppliedOnce;
import static dev.dualstream.trainer.job.FaultFixture.assertMetricsOnceInOrder;
import static dev.dualstream.trainer.job.FaultFixture.assertSameTrainerState;
import static dev.dualstream.trainer.job.FaultFixture.assertVersionsAnnouncedOnceInOrder;
import static dev.dualstream.trainer.job.FaultFixture.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.CorruptCheckpointException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores from retained checkpoints: after {@code kill -9} of the trainer's process (test 2, with
 * the checks of tests 1 and 5), and from a damaged newest checkpoint, which is refused with the
 * file named and replaced by the previous one when asked (test 3).
 */
@ExtendWith(KafkaBrokerExtension.class)
class RestoreFromCheckpointIT {
  private static final Duration WAIT = Duration.ofSeconds(150);

  @Test
  @Timeout(300)
  void aKilledTrainerProcessRestartsFromItsLatestCheckpointAndLosesNothing(KafkaBroker broker, @TempDir Path work)
      throws Exception {
    Map<String, byte[]> reference = ReferenceRun.finalState(broker);
    int examples = ExactlyOnceTrainingIT.EXAMPLES;
    TrainerOptions options = FaultFixture.options(broker, "kill.", work);
    FaultFixture.produce(broker, options.topics(), examples);
    Path checkpoints = options.checkpoints().directory();
    Path model = options.modelStore().resolve(FaultFixture.TINY.modelName());

    Process first = start(broker, work, null, "first");
    awaitWhileRunning(first, work, () -> retained(checkpoints) >= 3 && committedVersions(model) >= 1,
        "three checkpoints and one committed version");
    first.destroyForcibly(); // SIGKILL: no shutdown hook, no cancel, no cleanup
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));

    CheckpointLocator.Verified latest = CheckpointLocator.resolve(checkpoints, false);
    assertTrue(latest.state().examplesApplied() < examples, "killed mid-stream, at " + latest.state().examplesApplied());
    Process second = start(broker, work, latest.directory(), "second");
    if (!second.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      second.destroyForcibly();
      fail("the restored trainer did not finish; its log:\n" + log(work, "second"));
    }
    assertEquals(0, second.exitValue(), "the restored trainer's log:\n" + log(work, "second"));

    List<ModelVersion> versions = readCommitted(broker, options.topics().versions());
    List<TrainingMetrics> metrics = readCommitted(broker, options.topics().metrics());
    ModelVersion last = assertEveryExampleAppliedOnce(versions, metrics, examples);
    assertSameTrainerState(reference, FaultFixture.dir(last));
    assertVersionsAnnouncedOnceInOrder(versions, options.modelStore());
    assertMetricsOnceInOrder(metrics, examples);
  }

  @Test
  @Timeout(300)
  void aDamagedLatestCheckpointIsRefusedNamingTheFileAndThePreviousOneIsUsedWhenAsked(KafkaBroker broker,
      @TempDir Path work) throws Exception {
    int examples = 8_000;
    // Whole checkpoints, whose archive in Flink's raw state the damage hits; a damaged link of an incremental
    // checkpoint: IncrementalCheckpointIT.
    TrainerOptions whole = FaultFixture.options(broker, "corrupt.", work);
    TrainerOptions options = whole.withCheckpoints(whole.checkpoints().withFullEvery(0));
    FaultFixture.produce(broker, options.topics(), examples);
    Path checkpoints = options.checkpoints().directory();

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, TrainerJob.configuration(options));
    TrainerJob.build(env, options, s -> FaultFixture.Throttle.apply(s, 1));
    JobClient job = env.executeAsync("to be cancelled");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (retained(checkpoints) < 3 || examplesIn(CheckpointLocator.candidates(checkpoints).get(1)) < 1_000) {
      assertTrue(System.nanoTime() < deadline, "three checkpoints within " + WAIT);
      assertTrue(!job.getJobStatus().get().isGloballyTerminalState(), "the job is still running");
      Thread.sleep(50);
    }
    job.cancel().get(); // retained on cancel
    List<Path> candidates = CheckpointLocator.candidates(checkpoints);
    assertTrue(candidates.size() >= 2, "retained checkpoints: " + candidates);
    Path newest = candidates.get(0);
    Path damaged = largestFile(newest);
    flipMiddleByte(damaged);

    CorruptCheckpointException refused = assertThrows(CorruptCheckpointException.class,
        () -> CheckpointLocator.resolve(checkpoints, false));
    assertTrue(refused.getMessage().contains(damaged.toString()), "names the file: " + refused.getMessage());
    assertTrue(refused.getMessage().contains("CRC-32C"), refused.getMessage());

    CheckpointLocator.Verified fallback = CheckpointLocator.resolve(checkpoints, true);
    assertEquals(candidates.get(1), fallback.directory(), "the previous checkpoint");
    assertEquals(1, fallback.skipped().size());
    assertTrue(fallback.state().examplesApplied() > 0, "the fallback is mid-stream");
    assertTrue(fallback.skipped().get(0).contains(damaged.toString()));

    TrainerOptions bypass = options.withCheckpoints(options.checkpoints().withRestoreFrom(newest).withRestarts(0,
        Duration.ZERO));
    Exception inJob = assertThrows(Exception.class, () -> TrainerJob.runLocal(bypass));
    assertTrue(causes(inJob).contains("corrupt: entry"), "the job refuses it too: " + causes(inJob));

    TrainerJob.runLocal(options.withCheckpoints(options.checkpoints().withRestoreFrom(fallback.directory())));
    List<ModelVersion> versions = readCommitted(broker, options.topics().versions());
    assertEveryExampleAppliedOnce(versions, readCommitted(broker, options.topics().metrics()), examples);
  }

  private static Process start(KafkaBroker broker, Path work, Path restore, String name) throws IOException {
    return start(broker, "kill.", work, restore, name, List.of());
  }

  /** The trainer as a child process ({@link TrainerProcess}), with {@code jvmOptions} of its own. */
  static Process start(KafkaBroker broker, String prefix, Path work, Path restore, String name,
      List<String> jvmOptions) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx768m", "-Xss4m", "-Dai.djl.offline=true",
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    command.addAll(jvmOptions);
    String logConfig = System.getProperty("log4j2.configurationFile");
    if (logConfig != null) {
      command.add("-Dlog4j2.configurationFile=" + logConfig);
    }
    command.addAll(List.of(TrainerProcess.class.getName(), broker.bootstrapServers(), prefix, work.toString()));
    if (restore != null) {
      command.add(restore.toString());
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile());
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return builder.start();
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  static void awaitWhileRunning(Process process, Path work, java.util.function.BooleanSupplier condition,
      String what) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        fail("the trainer exited (" + process.exitValue() + ") before " + what + "; its log:\n" + log(work, "first"));
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("no " + what + " within " + WAIT + "; the trainer's log:\n" + log(work, "first"));
      }
      Thread.sleep(50);
    }
  }

  static int retained(Path checkpoints) {
    return Files.isDirectory(checkpoints) ? CheckpointLocator.candidates(checkpoints).size() : 0;
  }

  private static long examplesIn(Path checkpoint) {
    try {
      return CheckpointLocator.verify(checkpoint).state().examplesApplied();
    } catch (CorruptCheckpointException e) {
      return 0; // still being written
    }
  }

  static long committedVersions(Path model) {
    if (!Files.isDirectory(model)) {
      return 0;
    }
    try (Stream<Path> versions = Files.list(model)) {
      return versions.filter(v -> Files.exists(v.resolve(VersionLedger.COMMITTED_MARKER))).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static Path largestFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).max(Comparator.comparingLong(RestoreFromCheckpointIT::size))
          .orElseThrow();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Flips one bit of the byte in the middle of {@code file}. */
  static void flipMiddleByte(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
  }

  static String log(Path work, String name) {
    try {
      String text = Files.readString(work.resolve(name + ".log"));
      return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String causes(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getMessage()).append(" | ");
    }
    return all.toString();
  }
}
