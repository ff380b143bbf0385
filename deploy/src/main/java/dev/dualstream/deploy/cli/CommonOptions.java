package dev.dualstream.deploy.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that many commands take, declared once: the same name, default, syntax and help everywhere. */
final class CommonOptions {
  private CommonOptions() {}

  /** The dataset every command works on unless told otherwise: debian-pkgdesc, beside the launcher. */
  static final String DEFAULT_DATASET = "data/debian-pkgdesc";

  /** The dataset a command works on. */
  static final class Dataset {
    @Option(names = "--dataset", paramLabel = "DIR", defaultValue = DEFAULT_DATASET,
        description = "A BEIR directory: corpus.jsonl[.gz], queries.jsonl[.gz], qrels/SPLIT.tsv (what the command "
            + "does with it is above). Default: ${DEFAULT-VALUE}.")
    Path dir;

    /** The directory, once checked to exist; a one-line error if it does not. */
    Path checked() {
      PathChecks.requireDirectory("--dataset", dir);
      return dir;
    }
  }

  /** The seed of every random choice a command makes: the same seed and input give the same result. */
  static final class Seed {
    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
        description = "Seed of every random choice (sampling, initialisation, simulated users); the same seed and "
            + "input give the same result. Default: ${DEFAULT-VALUE}.")
    long value;
  }
}
