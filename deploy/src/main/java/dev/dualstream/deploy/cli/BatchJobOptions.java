package dev.dualstream.deploy.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every batch research job takes besides its own: the dataset, the clicks of its log,
 * the queries each evaluation is over, and where to write its JSON. Each job's command gives their
 * defaults from its options record (its {@code defaultValueProvider}).
 */
final class BatchJobOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec job;

  @Mixin
  private CommonOptions.Dataset dataset;

  @Option(names = "--examples", paramLabel = "N",
      description = "Clicks of the simulated log, the same stream for every run. Default: ${DEFAULT-VALUE}.")
  private int examples;

  @Option(names = "--eval-queries", paramLabel = "N",
      description = "Test queries each evaluation is over (the first N); 0: all. Default: ${DEFAULT-VALUE}.")
  private int evalQueries;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
  private Path json;

  /** The dataset directory, checked to exist, with --json's directory checked too; one-line errors if not. */
  Path checked() {
    PathChecks.requireParentDirectory("--json", json);
    return dataset.checked();
  }

  Path json() {
    return json;
  }

  /** --examples if given, else the run's own value (the quick run's or the full run's). */
  int examples(int otherwise) {
    return given("--examples") ? examples : otherwise;
  }

  /** --eval-queries if given, else the run's own value. */
  int evalQueries(int otherwise) {
    return given("--eval-queries") ? evalQueries : otherwise;
  }

  /** Whether the user gave the option, so that it overrides the quick run's value too. */
  boolean given(String option) {
    return job.commandLine().getParseResult().hasMatchedOption(option);
  }
}
