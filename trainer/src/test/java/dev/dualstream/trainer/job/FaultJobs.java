package dev.dualstream.trainer.job;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import dev.dualstream.trainer.checkpoint.CorruptCheckpointException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The fault tests' job and their proof of exactly-once, for tests in other modules that run the job somewhere
 * else than a MiniCluster (a session cluster of child processes, in {@code deploy}): the same tiny
 * deterministic model with a student ({@link FaultFixture}), the same input, and the same checks: every
 * example applied once, versions and metrics committed once each, in order, and the final parameters,
 * optimizer state and negative objective's state bit-identical to a run without failures.
 */
public final class FaultJobs {
  private FaultJobs() {}

  /** The fault tests' options: deterministic, bounded, checkpointing every 100 ms into {@code work}. */
  public static TrainerOptions options(KafkaBroker broker, String topicPrefix, Path work) {
    return FaultFixture.options(broker, topicPrefix, work);
  }

  /** Creates the options' topics (one partition each) and writes the fault tests' first {@code n} examples. */
  public static void produce(KafkaBroker broker, TrainerOptions options, int n) throws Exception {
    FaultFixture.produce(broker, options.topics(), n);
  }

  /**
   * The yardstick: the final state's files after the job ran over the first {@code n} examples without
   * failures, in a MiniCluster in this JVM, on topics of its own.
   */
  public static Map<String, byte[]> referenceState(KafkaBroker broker, int n) throws Exception {
    Path work = Files.createTempDirectory("dualstream-reference-");
    try {
      TrainerOptions options = FaultFixture.options(broker, "reference-" + n + ".", work);
      FaultFixture.produce(broker, options.topics(), n);
      TrainerJob.runLocal(options);
      List<ModelVersion> own = FaultFixture.of(FaultFixture.readCommitted(broker, options.topics().versions()),
          FaultFixture.TINY.modelName());
      return FaultFixture.stateFiles(FaultFixture.dir(own.get(own.size() - 1)));
    } finally {
      TrainerArchive.deleteTree(work);
    }
  }

  /**
   * Submits the job, slowed to a millisecond per {@code throttleEvery} examples so that a failure lands
   * mid-stream, to the session cluster whose REST endpoint is {@code host:restPort}, and returns without
   * waiting. Its user code is {@link TrainerJob#jobJars} and this test jar (the throttle), so the cluster's
   * class path must hold neither.
   */
  public static JobClient submit(TrainerOptions options, String host, int restPort, int throttleEvery)
      throws Exception {
    List<Path> jars = new ArrayList<>(TrainerJob.jobJars());
    jars.add(testJar());
    StreamExecutionEnvironment env = TrainerJob.clusterEnvironment(options, host, restPort, jars);
    TrainerJob.build(env, options, s -> FaultFixture.Throttle.apply(s, throttleEvery));
    return env.executeAsync(TrainerJob.jobName(options));
  }

  /** The checks of the fault tests, after a run over the first {@code n} examples has finished. */
  public static void assertExactlyOnce(KafkaBroker broker, TrainerOptions options, int n,
      Map<String, byte[]> reference) throws Exception {
    List<ModelVersion> versions = FaultFixture.readCommitted(broker, options.topics().versions());
    List<TrainingMetrics> metrics = FaultFixture.readCommitted(broker, options.topics().metrics());
    ModelVersion last = FaultFixture.assertEveryExampleAppliedOnce(versions, metrics, n);
    FaultFixture.assertSameTrainerState(reference, FaultFixture.dir(last));
    FaultFixture.assertVersionsAnnouncedOnceInOrder(versions, options.modelStore());
    FaultFixture.assertMetricsOnceInOrder(metrics, n);
  }

  /** Versions of the fault tests' model committed in the options' model store so far. */
  public static long committedVersions(TrainerOptions options) {
    return RestoreFromCheckpointIT.committedVersions(options.modelStore().resolve(FaultFixture.TINY.modelName()));
  }

  /** Examples applied in the newest retained checkpoint; 0 while there is none that verifies. */
  public static long examplesInNewestCheckpoint(TrainerOptions options) {
    Path checkpoints = options.checkpoints().directory();
    if (RestoreFromCheckpointIT.retained(checkpoints) == 0) {
      return 0;
    }
    try {
      return CheckpointLocator.resolve(checkpoints, false).state().examplesApplied();
    } catch (CorruptCheckpointException | IllegalArgumentException e) {
      return 0; // the newest is still being written
    }
  }

  private static Path testJar() throws URISyntaxException {
    return Path.of(FaultJobs.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
