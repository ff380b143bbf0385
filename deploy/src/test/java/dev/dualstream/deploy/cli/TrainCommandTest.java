package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.assertRefused;
import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dualstream.deploy.stack.FreePorts;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.trainer.distill.StudentSpec;
import dev.dualstream.trainer.job.TrainerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code dualstream train}: options and the user errors caught before any job starts. */
class TrainCommandTest {

  @Test
  void helpListsTheRestoreOptions() {
    CliRun r = run("train", "--help");
    assertEquals(0, r.code);
    for (String option : new String[] {"--from-checkpoint", "--fallback", "--deterministic", "--bounded",
        "--checkpoint-dir", "--checkpoint-interval", "--bootstrap-servers", "--model-store", "--feature-cache-mb", "--table-optimizer",
        "--negatives", "--clicked-memory", "--full-checkpoint-every"}) {
      assertTrue(r.out.contains(option), option + " in\n" + r.out);
    }
  }

  @Test
  void aBareTrainRunsWithTheTrainersOwnDefaults() {
    TrainCommand train = new TrainCommand();
    new CommandLine(train).parseArgs();
    assertEquals(TrainerOptions.defaults(KafkaConnection.plaintext(LiveOptions.DEFAULT_BOOTSTRAP_SERVERS)),
        train.options(),
        "every default comes from TrainerOptions, none restated in the CLI");
  }

  @Test
  void incrementalCheckpointsAreAskedForByHowOftenAFullOneIsWritten() {
    TrainCommand train = new TrainCommand();
    new CommandLine(train).parseArgs("--full-checkpoint-every", "10");
    assertEquals(10, train.options().checkpoints().fullEvery());
    assertTrue(train.options().checkpoints().incremental());
    assertRefused("full checkpoint every N must be 0 (every checkpoint full) or more, got -1", "train",
        "--full-checkpoint-every", "-1");
  }

  /** Application mode (deploy/k8s): the state goes whole into the cluster's checkpoints, which the cluster restores. */
  @Test
  void aSubmittedJobRefusesLocalCheckpointLinksAndALocalRestore(@TempDir Path dir) {
    assertRefused("--full-checkpoint-every 0", "train", "--submit");
    assertRefused("--submit takes the savepoint to restore from from the cluster", "train", "--submit",
        "--full-checkpoint-every", "0", "--from-checkpoint", dir.toString());
  }

  @Test
  void theFlinkApplicationEntryRunsTrainSubmitWithItsArguments() {
    assertEquals(List.of("train", "--submit", "--bootstrap-servers", "kafka:9093"),
        List.of(TrainerApplication.arguments(new String[] {"--bootstrap-servers", "kafka:9093"})));
  }

  @Test
  void aJobManagerAddressIsHostColonPortOrAOneLineError() {
    for (String bad : new String[] {"localhost", ":8081", "localhost:", "localhost:0", "localhost:65536",
        "localhost:http", "http://localhost:8081"}) {
      assertRefused("--jobmanager " + bad + ": expected HOST:PORT, the JobManager's REST address", "train",
          "--jobmanager", bad);
    }
  }

  @Test
  void aJobManagerThatDoesNotAnswerIsAOneLineErrorBeforeAnyJobStarts() {
    String nobody = "127.0.0.1:" + FreePorts.one();
    assertRefused("--jobmanager " + nobody + ": no Flink JobManager answers", "train", "--jobmanager", nobody);
  }

  @Test
  void aMissingCheckpointIsAOneLineError(@TempDir Path dir) {
    CliRun r = run("train", "--from-checkpoint", dir.resolve("nowhere").toString());
    assertEquals(1, r.code);
    assertTrue(r.err.startsWith("dualstream: --from-checkpoint ") && r.err.contains("does not exist"), r.err);
    assertTrue(!r.err.contains("\tat "), "no stack trace: " + r.err);
  }

  @Test
  void aDirectoryWithoutCheckpointsSaysSo(@TempDir Path dir) {
    CliRun r = run("train", "--from-checkpoint", dir.toString());
    assertEquals(1, r.code);
    assertTrue(r.err.contains("no retained checkpoint"), r.err);
  }

  @Test
  void anIncompleteCheckpointIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    Path chk = Files.createDirectories(dir.resolve("job").resolve("chk-3"));
    Files.write(chk.resolve("_metadata"), new byte[] {1, 2, 3});
    CliRun r = run("train", "--from-checkpoint", dir.toString());
    assertEquals(1, r.code);
    assertTrue(r.err.contains(chk.resolve("_metadata").toString()), r.err);
  }

  @Test
  void studentsAreParsedAgainstTheModelAndBadOnesAreOneLineErrors() {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs("--student", "small", "--student", "rd:loss=RANK_DISTIL,top-k=5");
    TrainerOptions options = command.options();
    assertEquals(List.of("small", "rd"), options.students().stream().map(StudentSpec::name).toList());
    assertEquals(options.model().buckets() / 4, options.students().get(0).config().buckets());
    assertRefused("student x: unknown key 'size'", "train", "--student", "x:size=3");
    assertRefused("two students are named x", "train", "--student", "x", "--student", "x");
    assertRefused("student dual-encoder has its teacher's name", "train", "--student", "dual-encoder");
  }

  @Test
  void aNegativeFeatureCacheIsAOneLineError() {
    CliRun r = run("train", "--feature-cache-mb", "-1");
    assertEquals(1, r.code);
    assertTrue(r.err.startsWith("dualstream: ") && r.err.contains("feature cache must be 0 or more MiB"), r.err);
    assertTrue(!r.err.contains("\tat "), "no stack trace: " + r.err);
  }

  @Test
  void aFeederNiceOutsideZeroToNineteenIsAOneLineError() {
    CliRun r = run("train", "--feeder-nice", "-1");
    assertEquals(1, r.code);
    assertTrue(r.err.startsWith("dualstream: feeder nice value must be 0 (off) to 19, got -1"), r.err);
    assertTrue(!r.err.contains("\tat "), "no stack trace: " + r.err);
  }

  @Test
  void negativesTheJobCannotTrainWithAreOneLineErrors() {
    assertRefused("unknown setting 'nope'", "train", "--negatives", "nope");
    assertRefused("cacheTopK 64 must divide cacheSize 100", "train", "--negatives", "cache-100-top64");
    assertRefused("unknown setting 'in-batch+skip-above+skip-above'", "train", "--negatives",
        "in-batch+skip-above+skip-above");
    assertRefused("not a way to train on a stream", "train", "--negatives", "full-softmax");
    assertRefused("clickedMemory must not be negative, got -1", "train", "--negatives", "cache-4096",
        "--clicked-memory", "-1");
  }

  @Test
  void theEncoderIsTheBagUnlessATransformerIsAskedFor() {
    TrainCommand bag = new TrainCommand();
    new CommandLine(bag).parseArgs();
    assertEquals(null, bag.options().model().transformer());
    TrainCommand transformer = new TrainCommand();
    new CommandLine(transformer).parseArgs("--encoder", "transformer:layers=3,topk=32", "--student", "small");
    TrainerOptions options = transformer.options();
    assertEquals(new dev.dualstream.trainer.encoder.TransformerSpec(3, 4, 32), options.model().transformer());
    assertEquals(null, options.students().get(0).config().transformer(), "a student is the cheap bag");
    assertRefused("unknown encoder 'lstm'", "train", "--encoder", "lstm");
    assertRefused("5 heads do not divide the model width 64", "train", "--encoder", "transformer:heads=5");
    assertRefused("top-k 512 exceeds the feed-forward width 256", "train", "--encoder", "transformer:topk=512");
  }

  @Test
  void anUnknownTableOptimizerIsABadUsageNamingTheChoices() {
    CliRun r = run("train", "--table-optimizer", "SGD");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("SGD") && r.err.contains("ADAGRAD") && r.err.contains("ADAM"), r.err);
  }

  @Test
  void durationsAreParsedAndNonsenseIsABadUsage() {
    DurationConverter converter = new DurationConverter();
    assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
    assertEquals(Duration.ofMinutes(5), converter.convert("5m"));
    for (String d : new String[] {"500ms", "30s", "5m", "90s"}) {
      assertEquals(d, DurationConverter.format(converter.convert(d)));
    }
    CliRun r = run("train", "--checkpoint-interval", "5x");
    assertEquals(2, r.code);
    assertTrue(r.err.contains("not a duration"), r.err);
  }

  @Test
  void submitAndJobmanagerAreTwoWaysToRunOnAClusterNotOne() {
    assertRefused("--submit runs inside a Flink cluster; --jobmanager submits to one: give one of them", "train",
        "--submit", "--jobmanager", "127.0.0.1:1");
  }
}
