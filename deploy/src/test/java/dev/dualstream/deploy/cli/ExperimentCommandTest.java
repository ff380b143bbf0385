package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.assertRefused;
import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dualstream experiment negatives}: help, the settings list and user errors, without training. */
class ExperimentCommandTest {

  @Test
  void listNamesEverySetting() {
    CliRun r = run("experiment", "negatives", "--list");
    assertEquals(0, r.code);
    for (String name : new String[] {"in-batch", "cache-4096-oldest256", "cache-16384-oldest1024",
        "cache-65536-oldest4096", "cache-16384-top64-oldest1024", "cache-16384-oldest1024-no-writeback", "full-softmax",
        "in-batch+skip-above", "cache-16384 ", "SETTING+skip-above"}) {
      assertTrue(r.out.contains(name), name + " in\n" + r.out);
    }
  }

  @Test
  void helpNamesTheOptions() {
    CliRun r = run("experiment", "negatives", "--help");
    assertEquals(0, r.code);
    for (String option : new String[] {"--examples", "--eval-queries", "--json", "--settings", "--seed",
        "--table-optimizer", "--learning-rate", "--embedding-learning-rate", "--adagrad-initial-accumulator",
        "--init-scale", "--loss", "--phuber-tau", "--label-bias", "--clicked-memory", "--noise-clicks"}) {
      assertTrue(r.out.contains(option), option);
    }
  }

  @Test
  void anUnknownSettingIsAOneLineError(@TempDir Path dir) {
    assertRefused("dualstream: unknown setting 'nope'", "experiment", "negatives", "--dataset", dir.toString(),
        "--settings", "in-batch,nope");
  }

  @Test
  void badOptimizerOptionsAreOneLineErrors(@TempDir Path dir) {
    CliRun kind = run("experiment", "negatives", "--dataset", dir.toString(), "--table-optimizer", "SGD");
    assertEquals(2, kind.code, kind.err);
    assertTrue(kind.err.contains("ADAM") && kind.err.contains("ADAGRAD"), kind.err);
    String data = dir.toString();
    assertRefused("dualstream: learning rate must be positive", "experiment", "negatives", "--dataset", data,
        "--learning-rate", "-1");
    assertRefused("initial accumulator", "experiment", "negatives", "--dataset", data,
        "--adagrad-initial-accumulator", "-2");
    assertRefused("dualstream: phuberTau must be a finite number > 1, got 1.0", "experiment", "negatives",
        "--dataset", data, "--loss", "PHUBER", "--phuber-tau", "1");
    CliRun loss = run("experiment", "negatives", "--dataset", dir.toString(), "--loss", "HINGE");
    assertEquals(2, loss.code, loss.err);
    assertTrue(loss.err.contains("SOFTMAX") && loss.err.contains("PHUBER"), loss.err);
    assertRefused("dualstream: clickedMemory must not be negative, got -1", "experiment", "negatives",
        "--dataset", data, "--clicked-memory", "-1");
  }

  @Test
  void aMissingDatasetOrJsonDirectoryIsRefused(@TempDir Path dir) {
    assertRefused("is not a directory", "experiment", "negatives", "--dataset", dir.resolve("none").toString());
    assertRefused("does not exist", "experiment", "negatives", "--dataset", dir.toString(), "--json",
        dir.resolve("no/such/dir/out.json").toString());
    assertRefused("at least one batch", "experiment", "negatives", "--dataset", dir.toString(), "--examples", "3");
  }

  @Test
  void theTransformerExperimentsRefuseImpossibleRunsInOneLine(@TempDir Path dir) {
    String data = dir.toString();
    assertRefused("top-k 600 must be between 1 and the middle width 512", "experiment", "sparsity", "--dataset",
        data, "--top-k", "16,600");
    assertRefused("a depth must be at least 1, got 0", "experiment", "sparsity", "--dataset", data, "--depths", "2,0");
    assertRefused("fewer than two per point", "experiment", "stacking", "--dataset", data, "--examples", "640");
    assertRefused("layers and width must be positive", "experiment", "stacking", "--dataset", data, "--layers",
        "0");
    assertRefused("--recording", "experiment", "federated", "--dataset", data, "--recording",
        dir.resolve("no-recording").toString());
    // The shared options take each job's own defaults, from its options record.
    String[][] jobs = {{"sparsity", "25600", "--seed"}, {"stacking", "64000", "--seed"}, {"federated", "40000", "--seeds"}};
    for (String[] job : jobs) {
      CliRun help = run("experiment", job[0], "--help");
      for (String option : new String[] {"--json", "--examples", job[2], "--quick", "--eval-queries", "--dataset"}) {
        assertTrue(help.out.contains(option), job[0] + " " + option);
      }
      assertTrue(help.out.replaceAll("\\s+", " ").contains("every run. Default: " + job[1] + "."), job[0] + ":\n"
          + help.out);
    }
  }

  /** Both experiments take --report; a bad one is refused before any training, in one line. */
  @Test
  void aReportDirectoryWithoutParentOrNegativePointsIsRefusedBeforeTraining(@TempDir Path dir) {
    for (String experiment : new String[] {"negatives", "distill"}) {
      assertTrue(run("experiment", experiment, "--help").out.contains("--report-points"), experiment);
      assertRefused("dualstream: --report " + dir.resolve("no/report") + ": directory " + dir.resolve("no")
          + " does not exist", "experiment", experiment, "--dataset", dir.toString(), "--report",
          dir.resolve("no/report").toString());
      assertRefused("dualstream: --report-points must be 0 or more, got -1", "experiment", experiment, "--dataset",
          dir.toString(), "--report", dir.resolve("report").toString(), "--report-points", "-1");
    }
  }
}
