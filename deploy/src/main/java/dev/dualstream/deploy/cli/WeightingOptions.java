package dev.dualstream.deploy.cli;

import dev.dualstream.trainer.loss.LossConfig;
import picocli.CommandLine.Option;

/** How a trainer weighs its examples: the option shared by {@code train} and {@code experiment negatives}. */
final class WeightingOptions {

  @Option(names = "--ips-clip", paramLabel = "C", defaultValue = "0",
      description = "Inverse-propensity weighting: each example's loss weighs min(C, 1 / exposure), its exposure "
          + "being the examination propensity of the position its click was shown at times the logging policy's "
          + "probability of showing it there (ShownResult.shown_probability, 1 where absent), so that clicks "
          + "the logging ranker rarely shows count for more. 0: every example alike; else at least 1. "
          + "Default: ${DEFAULT-VALUE}.")
  double ipsClip;

  /** {@code loss} with this weighting. */
  LossConfig applyTo(LossConfig loss) {
    return loss.withIpsClip(ipsClip);
  }
}
