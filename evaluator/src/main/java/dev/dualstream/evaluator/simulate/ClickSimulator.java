package dev.dualstream.evaluator.simulate;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.beir.Qrels;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.Click;
import dev.dualstream.schemas.avro.Document;
import dev.dualstream.schemas.avro.Impression;
import dev.dualstream.schemas.avro.ShownResult;
import dev.dualstream.trainer.model.DocumentText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;
import java.util.Objects;
import java.util.function.Function;
import java.util.SplittableRandom;

/**
 * Simulates users searching a BEIR corpus and publishes what a search service would log.
 *
 * <p>First every corpus document goes to {@code Topics.DOCUMENTS} (key: doc id, version 1). Then each
 * impression draws a query of the configured split uniformly, lets BM25 (the logging ranker) show its
 * top 10, and plays the {@link ClickModel position-based click model} on them, including its rescue of
 * relevant documents that BM25 missed. The impression goes to {@code Topics.IMPRESSIONS} and each click
 * to {@code Topics.CLICKS}, both keyed by impression id.
 *
 * <p>Time is simulated: documents carry {@link SimulationConfig#start()}, impression i (from 0) carries
 * start + (i + 1) x interval, and a click at position p comes 1 + p seconds (plus up to one second of
 * jitter) after its impression. All randomness comes from one generator seeded by
 * {@link SimulationConfig#seed()}, so the same seed and dataset give the same events, ids included.
 */
public final class ClickSimulator implements AutoCloseable {
  private final BeirDataset dataset;
  private final SimulationConfig config;
  private final Bm25Index bm25;
  private final Ranker ranker;
  private final Qrels qrels;
  private final List<String> queryPool;
  private final QueryPicker queries;
  /** Users' topics, or null when a search's user is independent of its query. */
  private final InterestModel interests;
  private final ClickModel clickModel;
  /** The document versions this run has published, by doc id (only those it revised). */
  private final Map<String, Long> versions = new HashMap<>();
  private String sessionUser;
  private int sessionUserNumber;
  private String sessionId;

  private ClickSimulator(BeirDataset dataset, SimulationConfig config, Bm25Index bm25, Ranker ranker) {
    this.dataset = dataset;
    this.config = config;
    this.bm25 = bm25;
    this.ranker = ranker;
    this.qrels = dataset.qrels(config.split());
    this.queryPool = new ArrayList<>();
    for (String query : qrels.queriesWithRelevant()) {
      if (dataset.queries().containsKey(query)) {
        queryPool.add(query);
      }
    }
    this.queries = new QueryPicker(queryPool, config.traffic().queryZipf(), config.seed());
    UserInterests wanted = config.traffic().interests();
    this.interests = wanted.enabled() ? InterestModel.build(dataset, qrels, queryPool, wanted, config.users(),
        config.traffic().queryZipf(), config.seed()) : null;
    this.clickModel = new ClickModel(config.relevantClickProbability(), config.irrelevantClickProbability(),
        config.rescueProbability());
  }

  /**
   * Prepares a simulation whose logging ranker is BM25: indexes the corpus.
   *
   * @throws IllegalArgumentException when the split does not exist or has no query with a text and a
   *     relevant document
   */
  public static ClickSimulator create(BeirDataset dataset, SimulationConfig config) {
    return create(dataset, config, Ranker::bm25);
  }

  /**
   * Prepares a simulation with another logging ranker, made from the corpus's BM25 index (which the
   * simulator owns and closes after the ranker).
   */
  public static ClickSimulator create(BeirDataset dataset, SimulationConfig config, Function<Bm25Index, Ranker> ranker) {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(config, "config");
    dataset.qrels(config.split());
    Bm25Index bm25 = Bm25Index.build(dataset.corpus());
    ClickSimulator simulator;
    try {
      simulator = new ClickSimulator(dataset, config, bm25, ranker.apply(bm25));
    } catch (RuntimeException e) {
      bm25.close();
      throw e;
    }
    if (simulator.queryPool.isEmpty() && config.impressions() > 0) {
      simulator.close();
      throw new IllegalArgumentException("split '" + config.split() + "' of dataset " + dataset.name()
          + " has no query with a text and a relevant document");
    }
    return simulator;
  }

  /** Simulates against a Kafka cluster: {@link #create}, {@link #run} on a {@link KafkaEventSink}, close. */
  public static SimulationResult publish(BeirDataset dataset, KafkaConnection kafka, SimulationConfig config,
      SimulationProgress progress) {
    try (ClickSimulator simulator = create(dataset, config);
        KafkaEventSink sink = KafkaEventSink.connect(kafka)) {
      return simulator.run(sink, progress);
    }
  }

  /** Publishes the corpus, then the impressions and clicks, to {@code sink}; flushes it at the end. */
  public SimulationResult run(EventSink sink, SimulationProgress progress) {
    Counter counter = new Counter(progress, config.progressEvery(), Throttle.of(config.maxEventsPerSecond()));
    Instant start = config.start();
    publishCorpus(sink, counter, start);
    SplittableRandom random = new SplittableRandom(config.seed());
    Emitter now = new Emitter() {
      @Override
      public void click(Click click) {
        sink.send(Topics.CLICKS, click.getImpressionId(), click, click.getTimestamp().toEpochMilli());
        counter.click();
      }
    };
    for (long i = 0; i < config.impressions(); i++) {
      Instant time = start.plus(config.impressionInterval().multipliedBy(i + 1));
      search(i, time, random, sink, counter, now);
    }
    sink.flush();
    return counter.finish();
  }

  /**
   * Searches at a live rate, in wall-clock time, until {@code schedule}'s duration has passed or {@code stop}
   * says so: the corpus first (unless told not to), then {@code schedule.rate()} searches per second, each
   * stamped with the wall clock when it goes out; a click goes out when its time comes (1 to 12 s later).
   * At the end, clicks still pending go out at once. {@link SimulationConfig#impressions()} bounds the
   * searches too. The same seed gives the same searches, clicks and ids; only their times differ.
   */
  public SimulationResult runLive(EventSink sink, LiveSchedule schedule, SimulationProgress progress,
      BooleanSupplier stop) {
    return runLive(sink, schedule, progress, stop, LiveClock.SYSTEM);
  }

  SimulationResult runLive(EventSink sink, LiveSchedule schedule, SimulationProgress progress, BooleanSupplier stop,
      LiveClock clock) {
    Counter counter = new Counter(progress, config.progressEvery(), Throttle.of(0));
    if (schedule.publishCorpus()) {
      publishCorpus(sink, counter, Instant.ofEpochMilli(clock.currentTimeMillis()));
    }
    SplittableRandom random = new SplittableRandom(config.seed());
    PriorityQueue<Click> pending = new PriorityQueue<>(Comparator.comparing(Click::getTimestamp));
    Emitter later = pending::add;
    long startNanos = clock.nanoTime();
    long limitNanos = schedule.duration() == null ? Long.MAX_VALUE : schedule.duration().toNanos();
    for (long i = 0; i < config.impressions() && !stop.getAsBoolean(); i++) {
      long due = (long) (i * 1e9 / schedule.rate());
      if (due >= limitNanos) {
        break;
      }
      sendClicksDue(sink, counter, pending, clock, startNanos + due, stop);
      clock.sleepUntil(startNanos + due);
      search(i, Instant.ofEpochMilli(clock.currentTimeMillis()), random, sink, counter, later);
    }
    while (!pending.isEmpty()) {
      Click click = pending.poll();
      if (!stop.getAsBoolean()) {
        clock.sleepUntil(clock.nanoTime() + Math.max(0, click.getTimestamp().toEpochMilli() - clock.currentTimeMillis())
            * 1_000_000);
      }
      sink.send(Topics.CLICKS, click.getImpressionId(), click, click.getTimestamp().toEpochMilli());
      counter.click();
    }
    sink.flush();
    return counter.finish();
  }

  /** Sends the pending clicks whose time comes before {@code untilNanos}, each when its time comes. */
  private static void sendClicksDue(EventSink sink, Counter counter, PriorityQueue<Click> pending, LiveClock clock,
      long untilNanos, BooleanSupplier stop) {
    while (!pending.isEmpty() && !stop.getAsBoolean()) {
      long inMillis = pending.peek().getTimestamp().toEpochMilli() - clock.currentTimeMillis();
      long dueNanos = clock.nanoTime() + Math.max(0, inMillis) * 1_000_000;
      if (dueNanos > untilNanos) {
        return;
      }
      clock.sleepUntil(dueNanos);
      Click click = pending.poll();
      sink.send(Topics.CLICKS, click.getImpressionId(), click, click.getTimestamp().toEpochMilli());
      counter.click();
    }
  }

  private void publishCorpus(EventSink sink, Counter counter, Instant time) {
    for (DocumentText doc : dataset.corpus()) {
      Document value = Document.newBuilder().setDocId(doc.id()).setTitle(doc.title()).setText(doc.text())
          .setVersion(1L).setTimestamp(time).build();
      sink.send(Topics.DOCUMENTS, doc.id(), value, time.toEpochMilli());
      counter.document();
    }
  }

  /** Where a search's clicks go: out at once, or held until their time. */
  @FunctionalInterface
  private interface Emitter {
    void click(Click click);
  }

  /** One search: its user and session, the impression, its clicks, and now and then a revised document. */
  private void search(long index, Instant time, SplittableRandom random, EventSink sink, Counter counter,
      Emitter clicks) {
    String drawn = interests == null ? queries.next(random) : null;
    double staySession = 1 - 1 / config.traffic().meanSessionLength();
    if (staySession == 0 || sessionId == null || random.nextDouble() >= staySession) {
      sessionUserNumber = random.nextInt(config.users());
      sessionUser = InterestModel.userId(sessionUserNumber);
      sessionId = "session-" + Long.toHexString(config.seed()) + "-" + index;
    }
    String queryId = interests == null ? drawn : interests.next(sessionUserNumber, random);
    String query = dataset.queries().get(queryId);
    String user = sessionUser;
    String impressionId = "imp-" + Long.toHexString(config.seed()) + "-" + index;
    ranker.refresh();
    Ranker.Identity identity = ranker.identity();
    List<Exploration.Shown> chosen = config.exploration().choose(
        ranker.rank(queryId, query, config.exploration().depth()), random);
    Map<String, Double> probabilities = new HashMap<>();
    List<ScoredDocument> ranking = new ArrayList<>(chosen.size());
    for (Exploration.Shown s : chosen) {
      probabilities.putIfAbsent(s.result().id(), s.probability());
      ranking.add(s.result());
    }
    List<ClickModel.Outcome> outcomes = clickModel.play(ranking, relevantInCorpus(queryId),
        doc -> ranker.score(queryId, query, doc), random);

    List<ShownResult> shown = new ArrayList<>(outcomes.size());
    for (ClickModel.Outcome o : outcomes) {
      // a rescued document was not the policy's choice: no probability for it
      shown.add(ShownResult.newBuilder().setDocId(o.result().id()).setPosition(o.position())
          .setScore((double) o.result().score()).setPropensity(o.propensity())
          .setShownProbability(probabilities.get(o.result().id())).build());
    }
    Impression impression = Impression.newBuilder().setImpressionId(impressionId).setQuery(query)
        .setQueryId(queryId).setUserId(user).setSessionId(sessionId)
        .setTimestamp(time).setResults(shown)
        .setRanker(identity.ranker()).setModel(identity.model()).setModelVersion(identity.version()).build();
    sink.send(Topics.IMPRESSIONS, impressionId, impression, time.toEpochMilli());
    counter.impression();

    for (ClickModel.Outcome o : outcomes) {
      if (!o.clicked()) {
        continue;
      }
      Instant clickTime = time.plusMillis(1000L * (1 + o.position()) + random.nextInt(1000));
      long dwellMillis = o.relevant() ? 20_000 + random.nextInt(100_000) : 1_000 + random.nextInt(10_000);
      Click click = Click.newBuilder().setImpressionId(impressionId).setDocId(o.result().id())
          .setPosition(o.position()).setTimestamp(clickTime).setDwellMs(dwellMillis).build();
      clicks.click(click);
    }
    double updates = config.traffic().documentUpdatesPerSearch();
    if (updates > 0 && random.nextDouble() < updates) {
      DocumentText doc = dataset.corpus().get(random.nextInt(dataset.corpus().size()));
      long version = versions.merge(doc.id(), 2L, (v, one) -> v + 1);
      Document revised = Document.newBuilder().setDocId(doc.id()).setTitle(doc.title())
          .setText(doc.text() + " (revision " + version + ")").setVersion(version).setTimestamp(time).build();
      sink.send(Topics.DOCUMENTS, doc.id(), revised, time.toEpochMilli());
      counter.document();
    }
  }

  private List<String> relevantInCorpus(String queryId) {
    List<String> relevant = new ArrayList<>();
    for (String doc : qrels.relevant(queryId)) {
      if (dataset.document(doc).isPresent()) {
        relevant.add(doc);
      }
    }
    return relevant;
  }

  @Override
  public void close() {
    try {
      ranker.close();
    } finally {
      bm25.close();
    }
  }

  /** Counts events, reports progress and paces the output. */
  private static final class Counter {
    private final SimulationProgress progress;
    private final long every;
    private final Throttle throttle;
    private long documents;
    private long impressions;
    private long clicks;

    Counter(SimulationProgress progress, long every, Throttle throttle) {
      this.progress = Objects.requireNonNull(progress, "progress");
      this.every = every;
      this.throttle = throttle;
    }

    void document() {
      documents++;
      counted();
    }

    void impression() {
      impressions++;
      counted();
    }

    void click() {
      clicks++;
      counted();
    }

    private void counted() {
      throttle.pace();
      if ((documents + impressions + clicks) % every == 0) {
        progress.update(snapshot());
      }
    }

    SimulationResult finish() {
      SimulationResult result = snapshot();
      progress.update(result);
      return result;
    }

    private SimulationResult snapshot() {
      return new SimulationResult(documents, impressions, clicks);
    }
  }
}
