package dev.dualstream.trainer.job;

import java.nio.file.Path;

/**
 * The trainer as a process of its own, for the test that kills it: {@code TrainerProcess
 * <bootstrap> <topic prefix> <work dir> [<checkpoint to restore>]} runs the fault tests' deterministic,
 * bounded, throttled job and exits 0 when the input is done. With {@code -D}{@value #FULL_EVERY} its
 * checkpoints have a full link every so many (0: every checkpoint whole) instead of the default.
 */
public final class TrainerProcess {
  static final String FULL_EVERY = "dualstream.test.fullCheckpointEvery";

  private TrainerProcess() {}

  public static void main(String[] args) throws Exception {
    TrainerOptions options = FaultFixture.options(args[0], args[1], Path.of(args[2]));
    options = options.withCheckpoints(options.checkpoints().withFullEvery(Integer.getInteger(FULL_EVERY, CheckpointSettings.defaults().fullEvery())));
    if (args.length > 3) {
      options = options.withCheckpoints(options.checkpoints().withRestoreFrom(Path.of(args[3])));
    }
    TrainerJob.runLocal(options, s -> FaultFixture.Throttle.apply(s, 2));
    System.exit(0);
  }
}
