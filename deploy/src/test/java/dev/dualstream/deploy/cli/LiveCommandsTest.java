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
    assertRefused("clusters must be 0 (no interests) or 2 to 10000, was 1", "simulate", "--dataset", ".",
        "--user-interests", "clusters=1");
    assertRefused("user interests: unknown key 'beta'", "simulate", "--dataset", ".",
        "--user-interests", "clusters=4,beta=2");
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
    assertRefused("give one of --follow, --version-dir DIR, --run FILE with --qrels FILE, or --replay DIR", "evaluate");
    assertRefused("--replay nowhere is not a directory", "evaluate", "--replay", "nowhere");
    assertRefused("--window must be at least 1 example, got 0", "evaluate", "--replay", ".", "--window", "0");
    assertRefused("--version-every needs one or more step counts of at least 1, got [150, 0]", "evaluate",
        "--replay", ".", "--version-every", "150,0");
    assertRefused("--run FILE and --qrels FILE go together", "evaluate", "--run", "a.run");
    assertRefused("--run nowhere.run is not a readable file", "evaluate", "--run", "nowhere.run", "--qrels", "q.tsv");
    assertRefused("--runs DIR goes with --version-dir", "evaluate", "--follow", "--runs", "var/runs");
  }

  /** {@code evaluate --run} scores a run file as trec_eval ranks it, and says where a malformed one breaks. */
  @Test
  void evaluateScoresARunFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path run = dir.resolve("x.run");
    java.nio.file.Path qrels = dir.resolve("qrels.tsv");
    java.nio.file.Files.writeString(run, "q1 Q0 d2 1 2.0 x\nq1 Q0 d1 2 1.0 x\nq2 Q0 d5 1 1.0 x\n");
    java.nio.file.Files.writeString(qrels, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td5\t1\n");
    CliRun r = CliRun.run("evaluate", "--run", run.toString(), "--qrels", qrels.toString());
    assertEquals(0, r.code, r.err);
    assertTrue(r.out.contains("on the 2 queries it ranks") && r.out.contains("MRR@10 0.7500"), r.out);
    java.nio.file.Files.writeString(run, "q1 Q0 d2 1\n");
    assertRefused("x.run:1: expected 6 fields", "evaluate", "--run", run.toString(), "--qrels", qrels.toString());
  }

  @Test
  void everyKafkaClientCommandRefusesABadSecurityFileBeforeConnecting(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path missing = dir.resolve("missing.properties");
    for (String command : new String[] {"ingest", "simulate", "train", "record"}) {
      String[] args = command.equals("record")
          ? new String[] {command, "--kafka-security", missing.toString(), "--topics", "t", "--out", dir.toString()}
          : new String[] {command, "--kafka-security", missing.toString()};
      assertRefused("cannot read Kafka security file " + missing, args);
    }
    java.nio.file.Path other = java.nio.file.Files.writeString(dir.resolve("other.properties"),
        "security.protocol=SSL\nacks=0\n");
    assertRefused("'acks' is not a security setting", "replay", "--kafka-security", other.toString(), dir.toString());
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
