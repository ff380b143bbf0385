package dev.dualstream.trainer.job;

import static dev.dualstream.trainer.job.FaultFixture.assertEveryExampleAppliedOnce;
import static dev.dualstream.trainer.job.FaultFixture.assertSameTrainerState;
import static dev.dualstream.trainer.job.FaultFixture.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.CorruptCheckpointException;
import dev.dualstream.trainer.checkpoint.TrainingSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental checkpoints (a full link, then deltas of the changed table rows) in the real job: a restore
 * from a chain of three links, the first compacted by the link writer from an earlier chain, trains on to the
 * same state as a run without failures, and a chain whose middle
 * link is damaged is refused naming the link, the fallback being the newest checkpoint whose whole chain
 * verifies. Links no retained checkpoint needs are deleted as checkpoints complete.
 */
@ExtendWith(KafkaBrokerExtension.class)
class IncrementalCheckpointIT {
  private static final Duration WAIT = Duration.ofSeconds(150);
  private static final int FULL_EVERY = 3;

  @Test
  @Timeout(300)
  void aChainOfThreeLinksRestoresToTheStateOfARunWithoutFailures(KafkaBroker broker, @TempDir Path work)
      throws Exception {
    Map<String, byte[]> reference = ReferenceRun.finalState(broker);
    TrainerOptions options = options(broker, "chain.", work);
    FaultFixture.produce(broker, options.topics(), ExactlyOnceTrainingIT.EXAMPLES);
    CheckpointLocator.Verified newest = runUntilTheNewestChainHasThreeLinks(options, true);
    assertTrue(newest.state().examplesApplied() < ExactlyOnceTrainingIT.EXAMPLES, "stopped mid-stream");
    assertTrue(newest.state().chain().links().get(0).file().contains("-chk-"),
        "the chain starts with a full link compacted from an earlier chain: " + newest.state().chain());
    assertEquals(0, Files.list(newest.directory()).filter(f -> f.getFileName().toString().endsWith(".link")).count());

    TrainerJob.runLocal(options.withCheckpoints(options.checkpoints().withRestoreFrom(newest.directory())));
    List<ModelVersion> versions = readCommitted(broker, options.topics().versions());
    ModelVersion last = assertEveryExampleAppliedOnce(versions, readCommitted(broker, options.topics().metrics()),
        ExactlyOnceTrainingIT.EXAMPLES);
    assertSameTrainerState(reference, FaultFixture.dir(last));
    long links = linkCount(options);
    assertTrue(links <= (long) FULL_EVERY * (options.checkpoints().retained() + 2),
        "links no retained checkpoint needs are deleted: " + links + " left");
  }

  /**
   * {@code kill -9} of the trainer's process while it writes incremental checkpoints: restarted from its newest
   * checkpoint (a chain), it applies every example once and ends in the state of a run without failures.
   */
  @Test
  @Timeout(300)
  void aKilledTrainerRestartsFromItsNewestChainAndLosesNothing(KafkaBroker broker, @TempDir Path work)
      throws Exception {
    Map<String, byte[]> reference = ReferenceRun.finalState(broker);
    int examples = ExactlyOnceTrainingIT.EXAMPLES;
    String prefix = "chain-kill.";
    TrainerOptions options = options(broker, prefix, work);
    FaultFixture.produce(broker, options.topics(), examples);
    Path checkpoints = options.checkpoints().directory();
    List<String> incremental = List.of("-D" + TrainerProcess.FULL_EVERY + "=" + FULL_EVERY);

    Process first = RestoreFromCheckpointIT.start(broker, prefix, work, null, "first", incremental);
    RestoreFromCheckpointIT.awaitWhileRunning(first, work, () -> newestChainLength(checkpoints) >= 2,
        "a checkpoint whose chain has a delta");
    first.destroyForcibly(); // SIGKILL: no shutdown hook, no cancel, no cleanup
    assertTrue(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));

    CheckpointLocator.Verified latest = CheckpointLocator.resolve(checkpoints, false);
    assertTrue(latest.state().examplesApplied() < examples, "killed mid-stream, at " + latest.state().examplesApplied());
    Process second = RestoreFromCheckpointIT.start(broker, prefix, work, latest.directory(), "second", incremental);
    if (!second.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
      second.destroyForcibly();
      throw new AssertionError("the restored trainer did not finish; its log:\n"
          + RestoreFromCheckpointIT.log(work, "second"));
    }
    assertEquals(0, second.exitValue(), "the restored trainer's log:\n" + RestoreFromCheckpointIT.log(work, "second"));
    ModelVersion last = assertEveryExampleAppliedOnce(readCommitted(broker, options.topics().versions()),
        readCommitted(broker, options.topics().metrics()), examples);
    assertSameTrainerState(reference, FaultFixture.dir(last));
  }

  /** Links in the newest retained checkpoint's chain; 0 while none verifies. */
  private static int newestChainLength(Path checkpoints) {
    if (RestoreFromCheckpointIT.retained(checkpoints) == 0) {
      return 0;
    }
    try {
      return CheckpointLocator.resolve(checkpoints, false).state().chain().links().size();
    } catch (CorruptCheckpointException stillBeingWritten) {
      return 0;
    }
  }

  @Test
  @Timeout(300)
  void aDamagedMiddleLinkIsRefusedAndTheNewestCheckpointWhoseChainVerifiesIsUsed(KafkaBroker broker,
      @TempDir Path work) throws Exception {
    int examples = 8_000;
    TrainerOptions options = options(broker, "chain-damaged.", work);
    FaultFixture.produce(broker, options.topics(), examples);
    CheckpointLocator.Verified newest = runUntilTheNewestChainHasThreeLinks(options, false);
    TrainingSnapshot.Link middle = newest.state().chain().links().get(1);
    Path damaged = Path.of(newest.state().chain().store(), middle.file());
    RestoreFromCheckpointIT.flipMiddleByte(damaged);

    Path checkpoints = options.checkpoints().directory();
    CorruptCheckpointException refused = assertThrows(CorruptCheckpointException.class,
        () -> CheckpointLocator.resolve(newest.directory(), false));
    assertTrue(refused.getMessage().contains("link 2 of 3 (" + middle.file() + ")"), refused.getMessage());

    CheckpointLocator.Verified fallback = CheckpointLocator.resolve(checkpoints, true);
    assertTrue(fallback.state().chain().links().stream().noneMatch(l -> l.file().equals(middle.file())),
        "the fallback's chain does not run through the damaged link: " + fallback.state().chain());
    assertTrue(fallback.state().examplesApplied() > 0 && fallback.state().examplesApplied() < examples);

    TrainerJob.runLocal(options.withCheckpoints(options.checkpoints().withRestoreFrom(fallback.directory())));
    assertEveryExampleAppliedOnce(readCommitted(broker, options.topics().versions()),
        readCommitted(broker, options.topics().metrics()), examples);
  }

  private static TrainerOptions options(KafkaBroker broker, String prefix, Path work) {
    TrainerOptions options = FaultFixture.options(broker, prefix, work);
    return options.withCheckpoints(options.checkpoints().withFullEvery(FULL_EVERY));
  }

  /**
   * Runs the job, throttled, until a retained checkpoint's chain is a full link and two deltas (with {@code
   * compacted}, a full link compacted from an earlier chain rather than the base written at the start), cancels
   * it, and returns the newest such checkpoint (one newer may have completed while cancelling).
   */
  private static CheckpointLocator.Verified runUntilTheNewestChainHasThreeLinks(TrainerOptions options,
      boolean compacted) throws Exception {
    Path checkpoints = options.checkpoints().directory();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1,
        TrainerJob.configuration(options));
    TrainerJob.build(env, options, s -> FaultFixture.Throttle.apply(s, 1));
    JobClient job = env.executeAsync("to be cancelled");
    long deadline = System.nanoTime() + WAIT.toNanos();
    try {
      while (true) {
        assertTrue(System.nanoTime() < deadline, "a chain of three links within " + WAIT);
        assertTrue(!job.getJobStatus().get().isGloballyTerminalState(), "the job is still running");
        if (Files.isDirectory(checkpoints) && CheckpointLocator.candidates(checkpoints).size() >= 3) {
          try {
            CheckpointLocator.Verified v = CheckpointLocator.resolve(checkpoints, false);
            if (hasThreeLinks(v, compacted) && v.state().examplesApplied() > 1_000) {
              job.cancel().get(); // retained on cancel
              for (Path candidate : CheckpointLocator.candidates(checkpoints)) {
                CheckpointLocator.Verified c = CheckpointLocator.verify(candidate);
                if (hasThreeLinks(c, compacted)) {
                  return c;
                }
              }
              throw new AssertionError("no retained checkpoint with a chain of " + FULL_EVERY + " links");
            }
          } catch (CorruptCheckpointException stillBeingWritten) {
            // the newest one is not complete yet
          }
        }
        Thread.sleep(20);
      }
    } finally {
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get();
      }
    }
  }

  private static boolean hasThreeLinks(CheckpointLocator.Verified checkpoint, boolean compacted) {
    List<TrainingSnapshot.Link> links = checkpoint.state().chain().links();
    return links.size() == FULL_EVERY && (!compacted || links.get(0).file().contains("-chk-"));
  }

  private static long linkCount(TrainerOptions options) throws Exception {
    try (Stream<Path> files = Files.list(options.checkpoints().linkDirectory())) {
      return files.filter(f -> f.getFileName().toString().endsWith(".link")).count();
    }
  }
}
