package dev.dualstream.deploy.cli;

import picocli.CommandLine.Command;

/** {@code dualstream bench}: the speed benchmarks; a subcommand picks which. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "(trainer | pipeline)",
    description = {
        "Measures speed (never quality; see 'dualstream demo' for that):",
        "  trainer   the bare training step on in-memory batches of the benchmark model;",
        "  pipeline  the whole streaming path (broker, Flink job) on a replayed stream.",
        ""},
    subcommands = {BenchTrainerCommand.class, BenchPipelineCommand.class})
final class BenchCommand {}
