package dev.dualstream.deploy.cli;

import dev.dualstream.trainer.model.ReplaySettings;
import picocli.CommandLine.Option;

/** How a trainer revisits pairs it applied: options shared by {@code train} and {@code experiment negatives}. */
final class ReplayOptions {

  @Option(names = "--replay", paramLabel = "N", defaultValue = "0",
      description = "After each step on new pairs, up to N steps on batches drawn uniformly from the newest "
          + "--replay-buffer pairs; a streaming trainer stops replaying as soon as a new batch waits. Replayed pairs "
          + "are counted apart from the examples applied. 0: every pair once. Default: ${DEFAULT-VALUE}.")
  int batchesPerStep;

  @Option(names = "--replay-buffer", paramLabel = "N", defaultValue = "" + ReplaySettings.DEFAULT_CAPACITY,
      description = "Pairs kept to replay from, the newest; checkpointed with the model. Default: ${DEFAULT-VALUE}.")
  int capacity;

  /** @throws IllegalArgumentException for values out of range */
  ReplaySettings settings() {
    return batchesPerStep == 0 ? ReplaySettings.OFF : new ReplaySettings(batchesPerStep, capacity);
  }
}
