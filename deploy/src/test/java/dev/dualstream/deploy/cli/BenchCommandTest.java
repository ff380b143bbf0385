package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.assertRefused;
import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dualstream bench}: its help and the user errors caught before anything is measured. */
class BenchCommandTest {

  @Test
  void everyOptionHasHelp() {
    CliRun trainer = run("bench", "trainer", "--help");
    assertEquals(0, trainer.code);
    for (String option : new String[] {"--dataset", "--split", "--batch-size", "--threads", "--warmup-steps",
        "--window-steps", "--windows", "--seed", "--json", "--export-batches", "--lockstep", "--export-only"}) {
      assertTrue(trainer.out.contains(option), option + " in\n" + trainer.out);
    }
    CliRun pipeline = run("bench", "pipeline", "--help");
    assertEquals(0, pipeline.code);
    for (String option : new String[] {"--dataset", "--backlog", "--rate", "--warmup-seconds",
        "--decode-parallelism", "--checkpoint-interval", "--kafka-port", "--work-dir", "--json", "--version-every",
        "--full-checkpoint-every"}) {
      assertTrue(pipeline.out.contains(option), option + " in\n" + pipeline.out);
    }
    // The trainer is train's unless asked otherwise: its batch, threads and checkpoints, shown as they are.
    String trainDefaults = run("train", "--help").out;
    for (String option : new String[] {"--batch-size", "--checkpoint-interval", "--full-checkpoint-every"}) {
      assertEquals(defaultShown(trainDefaults, option), defaultShown(pipeline.out, option), option);
    }
    assertEquals("100", defaultShown(pipeline.out, "--version-every"), "versions for click-to-version");
    CliRun ingest = run("bench", "ingest", "--help");
    assertEquals(0, ingest.code);
    for (String option : new String[] {"--dataset", "--impressions", "--impression-interval", "--rounds", "--seed",
        "--kafka-port", "--work-dir", "--json"}) {
      assertTrue(ingest.out.contains(option), option + " in\n" + ingest.out);
    }
    assertTrue(run("bench", "--help").out.contains("ingest"), "bench --help names ingest");
  }

  @Test
  void benchAloneAsksForASubcommand() {
    CliRun r = run("bench");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("Missing required subcommand"), r.err);
  }

  @Test
  void aMissingDatasetIsAOneLineError(@TempDir Path dir) {
    for (String which : new String[] {"trainer", "pipeline", "ingest"}) {
      CliRun r = run("bench", which, "--dataset", dir.resolve("nowhere").toString());
      assertEquals(1, r.code);
      assertTrue(r.err.startsWith("dualstream: --dataset ") && r.err.contains("is not a directory"), r.err);
      assertTrue(!r.err.contains("\tat "), "no stack trace: " + r.err);
    }
  }

  @Test
  void badSettingsAreRefusedBeforeAnyWork(@TempDir Path dir) {
    String data = dir.toString();
    assertRefused("--export-only needs --export-batches", "bench", "trainer", "--dataset", data, "--export-only");
    assertRefused("at least one window", "bench", "trainer", "--dataset", data, "--windows", "0");
    assertRefused("--rate must be positive", "bench", "pipeline", "--dataset", data, "--rate", "0");
    assertRefused("dualstream: --feeder-nice must be 0 (off) to 19, got 20", "bench", "pipeline", "--dataset", data,
        "--feeder-nice", "20");
    assertRefused("--bare-windows must be at least 2", "bench", "pipeline", "--dataset", data, "--bare-windows", "1");
    assertRefused("--version-every must be at least 1 step, got 0", "bench", "pipeline", "--dataset", data,
        "--version-every", "0");
    assertRefused("fewer than 4 batches per timed stretch", "bench", "pipeline", "--dataset", data,
        "--backlog", "10000");
    assertRefused("dualstream: --rounds must be at least 1, got 0", "bench", "ingest", "--dataset", data,
        "--rounds", "0");
    assertRefused("dualstream: --impressions must be at least 1, got -5", "bench", "ingest", "--dataset", data,
        "--impressions", "-5");
    assertRefused("--kafka-port must be between 1 and 65534", "bench", "ingest", "--dataset", data,
        "--kafka-port", "70000");
    assertRefused("directory " + dir.resolve("nowhere") + " does not exist", "bench", "ingest", "--dataset", data,
        "--json", dir.resolve("nowhere").resolve("figures.json").toString());
  }

  @Test
  void unreadableValuesAreUsageErrors(@TempDir Path dir) {
    String data = dir.toString();
    for (String[] bad : new String[][] {{"--rounds", "three"}, {"--impression-interval", "15"},
        {"--impressions", "1e6"}}) {
      CliRun r = run("bench", "ingest", "--dataset", data, bad[0], bad[1]);
      assertEquals(2, r.code, String.join(" ", bad) + ": " + r.err);
      assertTrue(r.err.startsWith("dualstream: ") && r.err.contains("Try 'dualstream bench ingest --help'"), r.err);
      assertTrue(!r.err.contains("\tat "), "no stack trace: " + r.err);
    }
  }

  /** The value after "Default: " in the help paragraph of {@code option}, up to the closing full stop. */
  private static String defaultShown(String help, String option) {
    java.util.regex.Matcher named = java.util.regex.Pattern.compile("(?m)^\\s+"
        + java.util.regex.Pattern.quote(option) + "[= ]")
        .matcher(help);
    assertTrue(named.find(), option + " in\n" + help);
    int at = named.start();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Default:\\s+(?:train's,\\s+)?(\\S+?)\\.(\\s|$)")
        .matcher(help.substring(at).replaceAll("\\s+", " "));
    assertTrue(m.find(), "a default for " + option + " in\n" + help.substring(at));
    return m.group(1);
  }
}
