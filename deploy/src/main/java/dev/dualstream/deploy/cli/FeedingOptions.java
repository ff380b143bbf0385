package dev.dualstream.deploy.cli;

import dev.dualstream.trainer.job.TrainerOptions;
import picocli.CommandLine.Option;

/** How the training job feeds its trainer: options shared by {@code train} and {@code bench pipeline}. */
final class FeedingOptions {

  @Option(names = "--feature-cache-mb", paramLabel = "MIB", defaultValue = "" + TrainerOptions.DEFAULT_FEATURE_CACHE_MB,
      description = "Heap each decoding subtask may spend remembering the feature ids of recent query and document "
          + "texts (popular documents repeat in click logs); 0 featurizes every example. Default: ${DEFAULT-VALUE}.")
  int featureCacheMb;

  @Option(names = "--feeder-nice", paramLabel = "N", defaultValue = "" + TrainerOptions.DEFAULT_FEEDER_NICE,
      description = "Nice value (0-19, Linux) of the Kafka source and decoder threads, so that they use the cores "
          + "the training step leaves idle rather than slow it down (they still get every core while the trainer "
          + "waits for input); 0: same priority as the step. Default: ${DEFAULT-VALUE}.")
  int feederNice;
}
