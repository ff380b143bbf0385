package dev.dualstream.trainer.job;

import static dev.dualstream.trainer.job.FaultFixture.assertEveryExampleAppliedOnce;
import static dev.dualstream.trainer.job.FaultFixture.assertMetricsOnceInOrder;
import static dev.dualstream.trainer.job.FaultFixture.assertSameTrainerState;
import static dev.dualstream.trainer.job.FaultFixture.assertVersionsAnnouncedOnceInOrder;
import static dev.dualstream.trainer.job.FaultFixture.readCommitted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.schemas.avro.TrainingMetrics;
import dev.dualstream.schemas.testing.KafkaBroker;
import dev.dualstream.schemas.testing.KafkaBrokerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once training under injected failures, the way Flink tests its own guarantees: the
 * training task is killed at random points and the job recovers from its checkpoints (test 1);
 * three consecutive failed checkpoints fail the job over (test 4). In deterministic mode the
 * result must equal a run without failures bit for bit, every example must be applied once, and
 * every version and metrics record must be committed once, in order (test 5). Tests 2 and 3 (a
 * killed process, a damaged checkpoint) are in {@link RestoreFromCheckpointIT}.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ExactlyOnceTrainingIT {
  static final int EXAMPLES = 20_000;

  @Test
  @Timeout(240)
  void injectedTaskFailuresApplyEveryExampleOnceAndAnnounceEachVersionOnce(KafkaBroker broker,
      @TempDir Path work) throws Exception {
    Map<String, byte[]> reference = ReferenceRun.finalState(broker);
    TrainerOptions options = FaultFixture.options(broker, "fail-tasks.", work);
    FaultFixture.produce(broker, options.topics(), EXAMPLES);
    Random random = new Random(20_000);
    long[] failAt = new long[5];
    for (int i = 0; i < failAt.length; i++) {
      failAt[i] = 300 + random.nextInt(2_200);
    }
    FailAtCounts.INJECTED.set(0);

    TrainerJob.runLocal(options, s -> FaultFixture.Throttle.apply(s, 4)
        .map(new FailAtCounts(failAt)).name("failure injection").uid("failure-injection"));

    assertEquals(5, FailAtCounts.INJECTED.get(), "five task failures injected at " + java.util.Arrays.toString(failAt));
    List<ModelVersion> versions = readCommitted(broker, options.topics().versions());
    List<TrainingMetrics> metrics = readCommitted(broker, options.topics().metrics());
    ModelVersion last = assertEveryExampleAppliedOnce(versions, metrics, EXAMPLES);
    assertSameTrainerState(reference, FaultFixture.dir(last));
    assertVersionsAnnouncedOnceInOrder(versions, options.modelStore());
    assertMetricsOnceInOrder(metrics, EXAMPLES);
  }

  @Test
  @Timeout(240)
  void threeConsecutiveCheckpointFailuresFailTheJobOverAndTwoDoNot(KafkaBroker broker, @TempDir Path work)
      throws Exception {
    assertEquals(0, runWithExpiringCheckpoints(broker, work.resolve("two"), "expire-two.", 2),
        "two failed checkpoints in a row are tolerated: no failover");
    assertEquals(1, runWithExpiringCheckpoints(broker, work.resolve("three"), "expire-three.", 3),
        "the third failed checkpoint in a row fails the job over, and the next attempt runs to the end");
    // The failed attempt completed no checkpoint but wrote a version: the next attempt starts
    // without state and must not leave that version behind or number its own after it (checked
    // by assertVersionsAnnouncedOnceInOrder above).
    assertTrue(FailingSnapshots.VERSION_BEFORE_LAST_FAILURE.get(), "the failed attempt wrote a version first");
  }

  /** Runs with the first {@code failures} checkpoints of the first attempt failing; returns the highest attempt. */
  private static int runWithExpiringCheckpoints(KafkaBroker broker, Path work, String prefix, int failures)
      throws Exception {
    int examples = 3_360; // 105 steps: the final step is not a periodic version step
    TrainerOptions options = FaultFixture.options(broker, prefix, work);
    FaultFixture.produce(broker, options.topics(), examples);
    FailingSnapshots.FAILED.set(0);
    FailingSnapshots.HIGHEST_ATTEMPT.set(-1);
    FailingSnapshots.VERSION_BEFORE_LAST_FAILURE.set(false);
    FailingSnapshots.versions = options.modelStore().resolve(FaultFixture.TINY.modelName());

    TrainerJob.runLocal(options, s -> FaultFixture.Throttle.apply(s, 2)
        .map(new FailingSnapshots(failures)).name("checkpoint failure injection")
        .uid("checkpoint-failure-injection"));

    assertEquals(failures, FailingSnapshots.FAILED.get(), "checkpoints made to fail");
    List<ModelVersion> versions = readCommitted(broker, options.topics().versions());
    assertEveryExampleAppliedOnce(versions, readCommitted(broker, options.topics().metrics()), examples);
    assertVersionsAnnouncedOnceInOrder(versions, options.modelStore());
    return FailingSnapshots.HIGHEST_ATTEMPT.get();
  }

  /** Throws in attempt i once it has passed {@code failAt[i]} records and seen a checkpoint complete. */
  static final class FailAtCounts extends RichMapFunction<FeaturizedExample, FeaturizedExample>
      implements CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger INJECTED = new AtomicInteger();
    private final long[] failAt;
    private transient long seen;
    private transient int completed;

    FailAtCounts(long[] failAt) {
      this.failAt = failAt.clone();
    }

    @Override
    public FeaturizedExample map(FeaturizedExample value) {
      int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
      if (attempt < failAt.length && ++seen >= failAt[attempt] && completed > 0) {
        INJECTED.incrementAndGet();
        throw new IllegalStateException("injected failure in attempt " + attempt + " after " + seen + " records");
      }
      return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      completed++;
    }
  }

  /**
   * Makes the first {@code count} checkpoints of the first attempt fail in their asynchronous part:
   * it puts a marker into its operator state whose serializer refuses it when the state is written.
   * Flink counts asynchronously failed, declined and expired checkpoints against the tolerable-failure
   * threshold (an exception in the synchronous part fails the task at once instead).
   */
  static final class FailingSnapshots extends RichMapFunction<FeaturizedExample, FeaturizedExample>
      implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger FAILED = new AtomicInteger();
    static final AtomicInteger HIGHEST_ATTEMPT = new AtomicInteger(-1);
    static final AtomicBoolean VERSION_BEFORE_LAST_FAILURE = new AtomicBoolean();
    /** The model's directory in the store of the run in progress. */
    static volatile Path versions;
    private final int count;
    private transient int failedHere;
    private transient ListState<Integer> fuse;

    FailingSnapshots(int count) {
      this.count = count;
    }

    @Override
    public FeaturizedExample map(FeaturizedExample value) {
      return value;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      boolean fail = getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && failedHere < count;
      if (fail) {
        failedHere++;
        FAILED.incrementAndGet();
      }
      fuse.update(List.of(!fail ? 0
          : failedHere == count ? RefusingSerializer.REFUSED_AFTER_A_VERSION : RefusingSerializer.REFUSED));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      HIGHEST_ATTEMPT.accumulateAndGet(getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
      fuse = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("fuse", new RefusingSerializer()));
    }
  }

  /**
   * Serializes ints, except {@link #REFUSED}, on which writing fails as a full disk would, and
   * {@link #REFUSED_AFTER_A_VERSION}, on which it fails once the trainer has written a model version
   * (the failure is in the asynchronous part, so training goes on meanwhile). That makes the last
   * failed checkpoint of the first attempt come after a version was written, which happened only
   * under load before: a failover before any completed checkpoint once left that version behind.
   */
  static final class RefusingSerializer extends TypeSerializerSingleton<Integer> {
    private static final long serialVersionUID = 1L;
    static final int REFUSED = -1;
    static final int REFUSED_AFTER_A_VERSION = -2;
    private static final Duration VERSION_WAIT = Duration.ofSeconds(30);

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    public Integer createInstance() {
      return 0;
    }

    @Override
    public Integer copy(Integer from) {
      return from;
    }

    @Override
    public Integer copy(Integer from, Integer reuse) {
      return from;
    }

    @Override
    public int getLength() {
      return 4;
    }

    @Override
    public void serialize(Integer record, DataOutputView target) throws IOException {
      if (record == REFUSED_AFTER_A_VERSION) {
        FailingSnapshots.VERSION_BEFORE_LAST_FAILURE.set(awaitVersion());
      }
      if (record == REFUSED || record == REFUSED_AFTER_A_VERSION) {
        throw new IOException("injected failure writing checkpoint state");
      }
      target.writeInt(record);
    }

    /** Waits (bounded well below the checkpoint timeout) until the run's model directory holds a version. */
    private static boolean awaitVersion() throws IOException {
      long deadline = System.nanoTime() + VERSION_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        Path dir = FailingSnapshots.versions;
        if (dir != null && Files.isDirectory(dir)) {
          try (Stream<Path> entries = Files.list(dir)) {
            if (entries.anyMatch(p -> p.getFileName().toString().matches("\\d+"))) {
              return true;
            }
          }
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted waiting for a model version", e);
        }
      }
      return false;
    }

    @Override
    public Integer deserialize(DataInputView source) throws IOException {
      return source.readInt();
    }

    @Override
    public Integer deserialize(Integer reuse, DataInputView source) throws IOException {
      return source.readInt();
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      target.writeInt(source.readInt());
    }

    @Override
    public TypeSerializerSnapshot<Integer> snapshotConfiguration() {
      return new Snapshot();
    }

    /** Restores the serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Integer> {
      public Snapshot() {
        super(RefusingSerializer::new);
      }
    }
  }
}
