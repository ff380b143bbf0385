package dev.dualstream.deploy.bench;

import dev.dualstream.deploy.stack.ElapsedLines;
import dev.dualstream.deploy.stack.KafkaBrokerProcess;
import dev.dualstream.deploy.stack.WorkDirectory;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.BeirReader;
import dev.dualstream.evaluator.simulate.ClickSimulator;
import dev.dualstream.evaluator.simulate.SimulationConfig;
import dev.dualstream.evaluator.simulate.SimulationResult;
import dev.dualstream.ingest.IngestOptions;
import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.schemas.Topic;
import dev.dualstream.schemas.TopicAdmin;
import dev.dualstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * Ingest's throughput on a pre-filled input, beside the floor the broker sets. A broker is started,
 * the click simulator publishes the corpus, impressions and clicks once (the demo's topics and
 * proportions), and then each round runs, one after the other on the same input:
 *
 * <ul>
 *   <li>a raw copy ({@link RawCopy}): every input record's bytes consumed and produced again under
 *       the transactions Kafka Streams' exactly_once_v2 uses, with nothing done to them;
 *   <li>an ingest pass ({@link IngestPass}): the real stage from a fresh start to the last committed
 *       offset, then the examples and dead letters it committed are counted.
 * </ul>
 *
 * <p>The order alternates from round to round, so that neither always runs on a cooler or warmer
 * machine, and each round's ratio pairs two runs a minute apart: the machine's speed drifts between
 * minutes. Each round reads into outputs of its own (its raw copies, a new application id with its
 * own internal topics; examples and dead letters are counted from where the round found their
 * topics), so rounds do not see each other's output. The broker's CPU time is taken per phase: on
 * two cores it competes with the client for the machine.
 */
public final class IngestBenchmark {
  private static final List<Topic<String, ?>> INPUTS = List.of(Topics.IMPRESSIONS, Topics.CLICKS, Topics.DOCUMENTS);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);

  private final IngestBenchOptions options;
  private final ElapsedLines lines;

  private IngestBenchmark(IngestBenchOptions options, Consumer<String> progress) {
    this.options = options;
    this.lines = new ElapsedLines(progress);
  }

  /** Runs the benchmark, reporting progress lines; everything started is stopped at the end. */
  public static IngestBenchResult run(IngestBenchOptions options, Consumer<String> progress) {
    return new IngestBenchmark(options, progress).run();
  }

  private IngestBenchResult run() {
    BeirDataset dataset = BeirReader.read(options.dataset());
    Path work = options.workDir().toAbsolutePath();
    WorkDirectory.empty(work);
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder(work.resolve(WorkDirectory.KAFKA))
        .port(options.kafkaPort()).start()) {
      String bootstrap = broker.bootstrapServers();
      say("kafka broker ready on %s (pid %d, log %s)", bootstrap, broker.pid(), broker.logFile());
      KafkaBrokerProcess.createTopics(bootstrap, 2, Topics.IMPRESSIONS, Topics.CLICKS, Topics.TRAINING_EXAMPLES);
      KafkaBrokerProcess.createTopics(bootstrap, 1, Topics.DOCUMENTS, Topics.DEADLETTER_INGEST);
      SimulationResult input = prefill(dataset, bootstrap);
      Map<TopicPartition, Long> ends = CommittedRecords.ends(bootstrap, INPUTS.stream().map(Topic::name).toList());
      long events = ends.values().stream().mapToLong(Long::longValue).sum();
      if (events != input.events()) {
        throw new IllegalStateException("the input topics hold " + events + " records, the simulator sent "
            + input.events());
      }
      double loadStart = CpuSeconds.loadAverage();
      List<IngestBenchResult.Round> rounds = new ArrayList<>();
      for (int round = 1; round <= options.rounds(); round++) {
        rounds.add(round(round, bootstrap, broker.pid(), ends, work));
        say("%s", rounds.get(round - 1).line());
      }
      return IngestBenchResult.of(rounds, input.documents(), input.impressions(), input.clicks(), options.seed(),
          options.impressionInterval().toMillis(), Runtime.getRuntime().availableProcessors(), loadStart, CpuSeconds.loadAverage());
    }
  }

  private SimulationResult prefill(BeirDataset dataset, String bootstrap) {
    SimulationConfig defaults = SimulationConfig.defaults(options.seed(), options.impressions());
    SimulationConfig config = defaults.withClock(defaults.start(), options.impressionInterval())
        .withProgressEvery(Math.max(10_000, (dataset.corpus().size() + 2 * options.impressions()) / 10));
    say("prefill: %,d documents and %,d simulated searches, %d ms of event time apart (seed %d)",
        dataset.corpus().size(), options.impressions(), options.impressionInterval().toMillis(), options.seed());
    SimulationResult result = ClickSimulator.publish(dataset, KafkaConnection.plaintext(bootstrap), config,
        soFar -> say("prefill: %,d events produced (%,d documents, %,d impressions, %,d clicks)",
            soFar.events(), soFar.documents(), soFar.impressions(), soFar.clicks()));
    say("prefill: done, %,d events: %,d documents, %,d impressions, %,d clicks", result.events(),
        result.documents(), result.impressions(), result.clicks());
    return result;
  }

  /** One round: raw copy and ingest pass, raw first in odd rounds. */
  private IngestBenchResult.Round round(int round, String bootstrap, long brokerPid, Map<TopicPartition, Long> ends,
      Path work) {
    long events = ends.values().stream().mapToLong(Long::longValue).sum();
    boolean rawFirst = round % 2 == 1;
    RawPhase raw;
    IngestPhase ingest;
    if (rawFirst) {
      raw = rawPhase(round, bootstrap, brokerPid, ends);
      ingest = ingestPhase(round, bootstrap, brokerPid, work);
    } else {
      ingest = ingestPhase(round, bootstrap, brokerPid, work);
      raw = rawPhase(round, bootstrap, brokerPid, ends);
    }
    double eventsPerS = events / ingest.pass().seconds();
    double rawPerS = events / raw.copy().seconds();
    return new IngestBenchResult.Round(round, rawFirst, eventsPerS, rawPerS, eventsPerS / rawPerS,
        ingest.pass().seconds(), ingest.pass().startSeconds(), ingest.pass().runningSeconds(),
        events / (ingest.pass().seconds() - ingest.pass().runningSeconds()), raw.copy().seconds(),
        raw.copy().firstRecordSeconds(), raw.copy().transactions(), ingest.cpu(), ingest.brokerCpu(), raw.cpu(),
        raw.brokerCpu(), ingest.examples(), ingest.deadLetters());
  }

  /** The raw copy's figures, with the CPU seconds this JVM and the broker spent on it. */
  private record RawPhase(RawCopy.Result copy, double cpu, double brokerCpu) {}

  /** The ingest pass's figures, its CPU seconds, and what it committed. */
  private record IngestPhase(IngestPass.Result pass, double cpu, double brokerCpu, long examples, long deadLetters) {}

  private RawPhase rawPhase(int round, String bootstrap, long brokerPid, Map<TopicPartition, Long> ends) {
    UnaryOperator<String> copyOf = topic -> topic + ".raw-" + round;
    createCopies(bootstrap, ends, copyOf);
    say("round %d: raw copy (consume and produce the same bytes, transactions every %d ms)", round,
        commitInterval().toMillis());
    double cpu = CpuSeconds.self();
    double brokerCpu = CpuSeconds.of(brokerPid);
    RawCopy.Result copy = RawCopy.run(bootstrap, ends, copyOf, "dualstream-bench-raw-" + round, commitInterval());
    RawPhase phase = new RawPhase(copy, CpuSeconds.self() - cpu, CpuSeconds.of(brokerPid) - brokerCpu);
    long events = ends.values().stream().mapToLong(Long::longValue).sum();
    if (copy.records() != events) {
      throw new IllegalStateException("the raw copy read " + copy.records() + " records of " + events);
    }
    say("round %d: raw copy: %,d events in %.1f s, %,.0f events/s (first record after %.1f s, %d transactions)",
        round, copy.records(), copy.seconds(), copy.records() / copy.seconds(), copy.firstRecordSeconds(),
        copy.transactions());
    return phase;
  }

  private IngestPhase ingestPhase(int round, String bootstrap, long brokerPid, Path work) {
    List<String> outputs = List.of(Topics.TRAINING_EXAMPLES.name(), Topics.DEADLETTER_INGEST.name());
    Map<TopicPartition, Long> before = CommittedRecords.ends(bootstrap, outputs);
    say("round %d: ingest (Kafka Streams, exactly_once_v2, from the first record, empty state)", round);
    double cpu = CpuSeconds.self();
    double brokerCpu = CpuSeconds.of(brokerPid);
    IngestPass.Result pass = IngestPass.run(options.ingest(), bootstrap, "dualstream-bench-ingest-" + round,
        work.resolve("ingest-state").resolve("round-" + round), line -> say("round %d: %s", round, line));
    double cpuSpent = CpuSeconds.self() - cpu;
    double brokerSpent = CpuSeconds.of(brokerPid) - brokerCpu;
    long examples = CommittedRecords.countFrom(bootstrap, outputs.get(0), before);
    long deadLetters = CommittedRecords.countFrom(bootstrap, outputs.get(1), before);
    say("round %d: ingest caught up in %.1f s (start returned after %.1f s, RUNNING after %.1f s):"
        + " %,d examples, %,d dead letters committed", round, pass.seconds(), pass.startSeconds(),
        pass.runningSeconds(), examples, deadLetters);
    return new IngestPhase(pass, cpuSpent, brokerSpent, examples, deadLetters);
  }

  /** The raw copy's output topics: one per input, with the same partitions. */
  private static void createCopies(String bootstrap, Map<TopicPartition, Long> ends, UnaryOperator<String> copyOf) {
    Map<String, Integer> partitions = new TreeMap<>();
    ends.keySet().forEach(tp -> partitions.merge(tp.topic(), 1, Integer::sum));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      partitions.forEach((topic, count) ->
          TopicAdmin.createAndAwaitLeaders(admin, count, List.of(copyOf.apply(topic)), TOPIC_TIMEOUT));
    }
  }

  /** Ingest's own commit interval, which the raw copy commits at too. */
  private Duration commitInterval() {
    return options.ingest().commitInterval();
  }

  private void say(String format, Object... args) {
    lines.say(format, args);
  }
}
