package dev.dualstream.deploy.cli;

import picocli.CommandLine.Command;

/** {@code dualstream bench}: the speed benchmarks; a subcommand picks which. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "(trainer | pipeline | ingest | search)",
    description = {
        "Measures speed (never quality; see 'dualstream demo' for that):",
        "  trainer   the bare training step on in-memory batches of the benchmark model;",
        "  pipeline  the whole streaming path (broker, Flink job) on a replayed stream;",
        "  ingest    the ingest stage (Kafka Streams) on a pre-filled input, beside",
        "            a raw transactional copy of the same bytes through the broker;",
        "  search    exact dense top-k over the corpus with a trained version.",
        ""},
    subcommands = {BenchTrainerCommand.class, BenchPipelineCommand.class, BenchIngestCommand.class,
        BenchSearchCommand.class})
final class BenchCommand {}
