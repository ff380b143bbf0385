package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        "in-batch+skip-above", "cache-16384 "}) {
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
    CliRun r = run("experiment", "negatives", "--dataset", dir.toString(), "--settings", "in-batch,nope");
    assertEquals(1, r.code);
    assertTrue(r.err.startsWith("dualstream: unknown setting 'nope'"), r.err);
    assertFalse(r.err.contains("\tat "), r.err);
  }

  @Test
  void badOptimizerOptionsAreOneLineErrors(@TempDir Path dir) {
    CliRun kind = run("experiment", "negatives", "--dataset", dir.toString(), "--table-optimizer", "SGD");
    assertEquals(2, kind.code, kind.err);
    assertTrue(kind.err.contains("ADAM") && kind.err.contains("ADAGRAD"), kind.err);
    CliRun rate = run("experiment", "negatives", "--dataset", dir.toString(), "--learning-rate", "-1");
    assertEquals(1, rate.code);
    assertTrue(rate.err.startsWith("dualstream: learning rate must be positive"), rate.err);
    assertFalse(rate.err.contains("\tat "), rate.err);
    CliRun accumulator = run("experiment", "negatives", "--dataset", dir.toString(),
        "--adagrad-initial-accumulator", "-2");
    assertEquals(1, accumulator.code);
    assertTrue(accumulator.err.contains("initial accumulator"), accumulator.err);
    CliRun tau = run("experiment", "negatives", "--dataset", dir.toString(), "--loss", "PHUBER", "--phuber-tau", "1");
    assertEquals(1, tau.code);
    assertTrue(tau.err.startsWith("dualstream: phuberTau must be a finite number > 1, got 1.0"), tau.err);
    CliRun loss = run("experiment", "negatives", "--dataset", dir.toString(), "--loss", "HINGE");
    assertEquals(2, loss.code, loss.err);
    assertTrue(loss.err.contains("SOFTMAX") && loss.err.contains("PHUBER"), loss.err);
    CliRun memory = run("experiment", "negatives", "--dataset", dir.toString(), "--clicked-memory", "-1");
    assertEquals(1, memory.code);
    assertTrue(memory.err.startsWith("dualstream: clickedMemory must not be negative, got -1"), memory.err);
  }

  @Test
  void aMissingDatasetOrJsonDirectoryIsRefused(@TempDir Path dir) {
    CliRun missing = run("experiment", "negatives", "--dataset", dir.resolve("none").toString());
    assertEquals(1, missing.code);
    assertTrue(missing.err.contains("is not a directory"), missing.err);
    CliRun json = run("experiment", "negatives", "--dataset", dir.toString(), "--json",
        dir.resolve("no/such/dir/out.json").toString());
    assertEquals(1, json.code);
    assertTrue(json.err.contains("does not exist"), json.err);
    CliRun examples = run("experiment", "negatives", "--dataset", dir.toString(), "--examples", "3");
    assertEquals(1, examples.code);
    assertTrue(examples.err.contains("at least one batch"), examples.err);
  }
}
