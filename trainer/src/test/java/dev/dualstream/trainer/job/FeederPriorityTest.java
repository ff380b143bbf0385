package dev.dualstream.trainer.job;

import dev.dualstream.schemas.KafkaConnection;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.feature.Featurizer;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feeders' nice value: set on the calling thread only, never lowered back (raising a priority
 * needs privileges), inherited by threads it starts, and set by the decoder when it opens. Each case
 * runs on a thread of its own, since a thread cannot get its priority back. Linux only.
 */
class FeederPriorityTest {

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(FeederPriority.callingThreadNice().isPresent(), "no /proc/thread-self: not Linux");
  }

  @Test
  void theCallingThreadGetsTheNiceValueAndOthersKeepTheirs() throws Exception {
    int before = FeederPriority.callingThreadNice().getAsInt();
    assumeTrue(before < 7, "this test runs at nice " + before + " already");
    int[] afterAndChild = onNewThread(() -> {
      OptionalInt set = FeederPriority.lowerCallingThread(7);
      int[] child = new int[1];
      Thread t = new Thread(() -> child[0] = FeederPriority.callingThreadNice().getAsInt());
      t.start();
      t.join();
      return new int[] {set.getAsInt(), FeederPriority.callingThreadNice().getAsInt(), child[0]};
    });
    assertEquals(7, afterAndChild[0]);
    assertEquals(7, afterAndChild[1]);
    assertEquals(7, afterAndChild[2], "threads started by a feeder inherit its nice value");
    assertEquals(before, FeederPriority.callingThreadNice().getAsInt(), "other threads keep theirs");
  }

  @Test
  void aLowerValueOrZeroNeverRaisesThePriorityBack() throws Exception {
    int[] values = onNewThread(() -> new int[] {FeederPriority.lowerCallingThread(9).getAsInt(),
        FeederPriority.lowerCallingThread(3).getAsInt(), FeederPriority.lowerCallingThread(0).getAsInt()});
    assertEquals(9, values[0]);
    assertEquals(9, values[1]);
    assertEquals(9, values[2]);
  }

  @Test
  void valuesOutsideZeroToNineteenAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FeederPriority.requireNice(-1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainerOptions.defaults(KafkaConnection.plaintext("localhost:9092")).withFeederNice(20));
    assertEquals("feeder nice value must be 0 (off) to 19, got 20", e.getMessage());
  }

  @Test
  void theDecoderLowersItsOwnThreadWhenItOpens() throws Exception {
    DecodeAndFeaturize decoder = new DecodeAndFeaturize(new Featurizer(FeatureSpec.defaults()), 0, 5, 0);
    int[] nice = onNewThread(() -> {
      try (OneInputStreamOperatorTestHarness<RawRecord, FeaturizedExample> h =
          new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(decoder))) {
        int before = FeederPriority.callingThreadNice().getAsInt();
        h.open();
        return new int[] {before, FeederPriority.callingThreadNice().getAsInt()};
      }
    });
    assumeTrue(nice[0] < 5, "this test runs at nice " + nice[0] + " already");
    assertEquals(5, nice[1]);
  }

  private static int[] onNewThread(Callable<int[]> body) throws Exception {
    FutureTask<int[]> task = new FutureTask<>(body);
    Thread thread = new Thread(task, "feeder-priority-test");
    thread.start();
    try {
      return task.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
