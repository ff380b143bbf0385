package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.assertRefused;
import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bad arguments to the long-running commands are refused with one line, before anything starts. */
class LiveCommandsTest {

  @Test
  void badSettingsAreRefusedWithTheOptionNamed() {
    assertRefused("--duration must be positive", "broker", "--duration", "0s");
    assertRefused("--partitions must be at least 1", "broker", "--partitions", "0");
    assertRefused("--duration must be positive", "simulate", "--duration", "0s");
    assertRefused("--rate must be above 0", "simulate", "--rate", "0");
    assertRefused("--query-zipf must be at least 0.0", "simulate", "--query-zipf", "-1");
    assertRefused("--session-length must be at least 1.0", "simulate", "--session-length", "0.5");
    assertRefused("--document-updates must be at least 0.0 and at most 1.0", "simulate", "--document-updates", "2");
    assertRefused("--dataset nowhere is not a directory", "simulate", "--dataset", "nowhere");
    assertRefused("--progress-every must be positive", "ingest", "--progress-every", "0s");
    assertRefused("unknown ingest option 'nope'", "ingest", "--option", "nope=1");
    assertRefused("join.window", "ingest", "--option", "join.window=-5m");
    assertRefused("--serve small: serve the model (dual-encoder) or a student of --student []", "up", "--serve",
        "small");
    assertRefused("student small: unknown key 'size'", "up", "--student", "small:size=2");
    assertRefused("two students are named small", "up", "--student", "small", "--student", "small:loss=KL");
    assertRefused("--max-file-mb and --max-file-age must be positive", "record", "--topics", "search.clicks", "--out",
        "var/never", "--max-file-mb", "0");
    assertRefused("--duration must be positive", "record", "--topics", "search.clicks", "--out", "var/never",
        "--duration", "0s");
    assertRefused("--speed: speed is max or a positive factor such as 1x or 10x, got 'fast'", "replay", "var/never",
        "--speed", "fast");
    assertRefused("nowhere is not a directory", "replay", "nowhere");
  }

  @Test
  void replayRefusesADirectoryWithoutARecording(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    assertRefused("holds no recording files (recording-NNNNNN.avro)", "replay", dir.toString());
  }

  @Test
  void aDurationWithoutAUnitIsABadArgument() {
    CliRun r = run("ingest", "--duration", "10");
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("'10' is not a duration"), r.err);
  }
}
