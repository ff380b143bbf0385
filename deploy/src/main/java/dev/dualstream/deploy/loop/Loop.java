package dev.dualstream.deploy.loop;

import dev.dualstream.evaluator.experiment.ExperimentSetting;

import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.LocalTopics;
import dev.dualstream.deploy.stack.WorkDirectory;
import dev.dualstream.trainer.checkpoint.CheckpointLocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The continuous loop on this machine: a local broker, then the evaluator ({@code evaluate --follow}), ingest,
 * the trainer and the simulator, each a {@code dualstream} command in a child process of its own, as a
 * deployment runs them. A component that exits while the loop runs is started again, and the console says
 * so; the trainer comes back from its newest checkpoint that verifies. A component that keeps dying
 * ({@value #MAX_STARTS} starts) ends the loop. At the end (duration or {@link #stop()}) the components stop in
 * the order data flows, each given time to commit what it holds, then the broker; the versions' results are
 * read back from {@code evaluation.results} for the report.
 */
public final class Loop {
  static final int MAX_STARTS = 5;
  static final int BATCH = 32;

  /** How often the end of a run looks whether the trainer has caught up. */
  private static final Duration CATCH_UP_POLL = Duration.ofSeconds(5);
  /** How long the end of a run waits for the evaluator to score the versions it has not yet scored. */
  private static final Duration EVALUATION_WAIT = Duration.ofMinutes(5);
  /**
   * The trainer's negatives in the loop: the negatives experiment's best cache setting, plus the logs'
   * skip-above documents, which lifted the hybrid there (0.8834 to 0.8875 Recall@10 on 36,000 examples).
   */
  public static final String NEGATIVES = "cache-16384-top64-oldest1024" + ExperimentSetting.SKIP_ABOVE_SUFFIX;
  static final int CLICKED_MEMORY = 1 << 18;
  private static final Duration SUPERVISE_EVERY = Duration.ofMillis(500);
  private static final Duration STOP_GRACE = Duration.ofSeconds(60);

  private final LoopOptions options;
  private final String cli;
  private final Consumer<String> console;
  private final AtomicBoolean stop = new AtomicBoolean();
  private volatile List<Component> flow;

  /** @param cli the main class of the {@code dualstream} command line, which runs each component */
  public Loop(LoopOptions options, String cli, Consumer<String> console) {
    this.options = options;
    this.cli = cli;
    this.console = console;
  }

  /** Kills a running component as a crash would (SIGKILL), for tests of the restart; false if none runs. */
  boolean kill(String name) {
    List<Component> running = flow;
    if (running == null) {
      return false;
    }
    for (Component c : running) {
      if (c.name().equals(name) && c.exited().isEmpty()) {
        c.kill();
        return true;
      }
    }
    return false;
  }

  /** Asks a running loop to stop (from a shutdown hook, say); {@link #run} then stops everything and returns. */
  public void stop() {
    stop.set(true);
  }

  /** Runs until the duration passes or {@link #stop()}; returns what the evaluator scored. */
  public LoopReport run() throws InterruptedException {
    Path work = options.workDir().toAbsolutePath();
    WorkDirectory.empty(work);
    Path logs = work.resolve("logs");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + logs, e);
    }
    long start = System.nanoTime();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(work.resolve("kafka")).port(options.kafkaPort()).start()) {
      String bootstrap = broker.bootstrapServers();
      LocalTopics.create(bootstrap, LocalTopics.DEFAULT_STREAM_PARTITIONS);
      say("broker ready on %s (pid %d, log %s)", bootstrap, broker.pid(), broker.logFile());
      flow = components(bootstrap, work, logs);
      for (Component c : flow) {
        c.start();
        say("%s started (pid %d, log %s)", c.name(), c.pid(), c.log());
      }
      String failure = supervise(flow, start);
      stopAll(flow, bootstrap);
      LoopReport report = LoopReport.read(bootstrap, options.dataset().getFileName().toString(), options.serve());
      say("%d of %d versions scored; %,d examples ingested, %,d applied by the trainer (by its last committed "
          + "metrics)", report.versions().size(), report.versionsPublished(), report.examplesIngested(),
          report.examplesApplied());
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      return report;
    }
  }

  /** Watches the components until the end; returns why the loop had to end early, or null. */
  private String supervise(List<Component> components, long start) throws InterruptedException {
    long end = options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
    while (!stop.get() && System.nanoTime() < end) {
      for (Component c : components) {
        OptionalInt exit = c.exited();
        if (exit.isEmpty()) {
          continue;
        }
        if (c.starts() >= MAX_STARTS) {
          return c.name() + " exited with status " + exit.getAsInt() + " after " + c.starts()
              + " starts; its log: " + c.log();
        }
        say("%s exited with status %d; starting it again%s", c.name(), exit.getAsInt(),
            c.name().equals("train") ? " from its newest checkpoint" : "");
        c.start();
      }
      Thread.sleep(SUPERVISE_EVERY.toMillis());
    }
    return null;
  }

  /**
   * Stops the components in the order data flows: the simulator (its pending clicks go out), ingest (it
   * commits what it joined), the trainer once it has applied what ingest committed (its last checkpoint stays
   * for a restart), the evaluator once it has scored every version the trainer committed (or the version
   * under way when the wait ends).
   */
  private void stopAll(List<Component> components, String bootstrap) throws InterruptedException {
    for (String name : List.of("simulate", "ingest", "train", "evaluate")) {
      for (Component c : components) {
        if (c.name().equals(name)) {
          if (name.equals("train") && c.exited().isEmpty()) {
            awaitTrainerCaughtUp(bootstrap);
          }
          if (name.equals("evaluate") && c.exited().isEmpty()) {
            awaitEvaluatorCaughtUp(bootstrap);
          }
          say("stopping %s", c.name());
          c.stop(STOP_GRACE);
        }
      }
    }
  }

  /**
   * Waits until the trainer's committed metrics count every example ingest committed, less at most one partial
   * batch (a checkpoint commits them: its metrics report goes out before its barrier), or until three
   * checkpoint intervals and a minute have passed.
   */
  private void awaitTrainerCaughtUp(String bootstrap) throws InterruptedException {
    long deadline = System.nanoTime() + options.checkpointInterval().multipliedBy(3).plusMinutes(1).toNanos();
    LoopReport.Counts counts = LoopReport.counts(bootstrap);
    if (counts.applied() <= counts.ingested() - BATCH) {
      say("waiting for the trainer to commit the last examples (%,d of %,d applied)", counts.applied(),
          counts.ingested());
    }
    while (counts.applied() <= counts.ingested() - BATCH && System.nanoTime() < deadline) {
      Thread.sleep(CATCH_UP_POLL.toMillis());
      counts = LoopReport.counts(bootstrap);
    }
    if (counts.applied() <= counts.ingested() - BATCH) {
      say("the trainer had committed %,d of %,d examples when the wait ended", counts.applied(), counts.ingested());
    }
  }

  /**
   * Waits until the evaluator has scored every version the trainer committed, so that the report's last
   * result is the last version's, or until {@link #EVALUATION_WAIT} has passed.
   */
  private void awaitEvaluatorCaughtUp(String bootstrap) throws InterruptedException {
    long deadline = System.nanoTime() + EVALUATION_WAIT.toNanos();
    LoopReport.Scoring scoring = LoopReport.scoring(bootstrap);
    if (scoring.scored() < scoring.published()) {
      say("waiting for the evaluator to score the last versions (%d of %d scored)", scoring.scored(),
          scoring.published());
    }
    while (scoring.scored() < scoring.published() && System.nanoTime() < deadline) {
      Thread.sleep(CATCH_UP_POLL.toMillis());
      scoring = LoopReport.scoring(bootstrap);
    }
    if (scoring.scored() < scoring.published()) {
      say("the evaluator had scored %d of %d versions when the wait ended", scoring.scored(), scoring.published());
    }
  }

  private List<Component> components(String bootstrap, Path work, Path logs) {
    String dataset = options.dataset().toString();
    Path checkpoints = work.resolve("checkpoints");
    Component evaluate = new Component("evaluate", cli, n -> List.of("evaluate", "--follow", "--bootstrap-servers",
        bootstrap, "--dataset", dataset, "--queries", "" + options.evalQueries()), "3g", logs, console);
    Component ingest = new Component("ingest", cli, n -> List.of("ingest", "--bootstrap-servers", bootstrap,
        "--option", "state.dir=" + work.resolve("ingest"), "--option", "replication.factor=1",
        "--progress-every", "30s"), "1g", logs, console);
    Component train = new Component("train", cli, n -> {
      List<String> args = new ArrayList<>(List.of("train", "--bootstrap-servers", bootstrap,
          "--model-store", work.resolve("models").toString(), "--checkpoint-dir", checkpoints.toString(),
          "--checkpoint-interval", options.checkpointInterval().toMillis() + "ms",
          "--version-every", "" + options.versionEvery(), "--seed", "" + options.seed(),
          "--metrics-every", "5", "--progress-every", "30s",
          // At live rates the trainer idles most of the time: spend it on the best negatives setting of
          // `experiment negatives` (R@10 0.633 against in-batch's 0.516 on the same examples), at its batch.
          "--batch-size", "" + BATCH, "--negatives", NEGATIVES, "--clicked-memory", "" + CLICKED_MEMORY));
      options.students().forEach(student -> args.addAll(List.of("--student", student)));
      if (n > 0 && hasCheckpoint(checkpoints)) {
        args.addAll(List.of("--from-checkpoint", checkpoints.toString(), "--fallback"));
      }
      return args;
    }, "4g", logs, console);
    // A restarted simulator skips the corpus (the topic has it) and draws new searches (new ids).
    Component simulate = new Component("simulate", cli, n -> {
      List<String> args = new ArrayList<>(List.of("simulate", "--bootstrap-servers", bootstrap, "--dataset",
          dataset, "--rate", "" + options.rate(), "--seed", "" + (options.seed() + n), "--progress-every", "30s",
          "--model", options.serve(), "--user-interests", options.userInterests()));
      if (n > 0) {
        args.add("--skip-corpus");
      }
      return args;
    }, "2g", logs, console);
    return List.of(evaluate, ingest, train, simulate);
  }

  private static boolean hasCheckpoint(Path dir) {
    return Files.isDirectory(dir) && !CheckpointLocator.candidates(dir).isEmpty();
  }

  private void say(String format, Object... args) {
    console.accept(String.format("%-9s| ", "up") + String.format(format, args));
  }
}
