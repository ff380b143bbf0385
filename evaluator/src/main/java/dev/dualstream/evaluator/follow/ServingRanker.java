package dev.dualstream.evaluator.follow;

import dev.dualstream.schemas.KafkaConnection;
import dev.dualstream.evaluator.beir.BeirDataset;
import dev.dualstream.evaluator.bm25.Bm25Index;
import dev.dualstream.evaluator.offline.HybridTuning;
import dev.dualstream.evaluator.offline.VersionEvaluation;
import dev.dualstream.evaluator.search.DenseIndex;
import dev.dualstream.evaluator.search.HybridRetriever;
import dev.dualstream.evaluator.search.ScoredDocument;
import dev.dualstream.evaluator.simulate.Ranker;
import dev.dualstream.schemas.Topics;
import dev.dualstream.schemas.avro.ModelVersion;
import dev.dualstream.trainer.model.ModelStore;
import dev.dualstream.trainer.model.RetrievalModel;
import dev.dualstream.trainer.model.VersionLease;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A search service's ranker that serves the newest committed version of a model: BM25 until the first
 * version arrives, then the hybrid of that version's dense retriever and BM25 ({@link HybridRetriever}, its
 * dense weight chosen on the dataset's {@value VersionEvaluation#TUNING_SPLIT} split, never on the split
 * evaluated). A background thread follows {@code models.versions} (read_committed, so only versions whose
 * checkpoint completed) and prepares each newer version beside the one serving: takes a {@link VersionLease}
 * on it (the trainer's retention leaves it alone while it serves), loads it, embeds the corpus, tunes the
 * weight. The simulator's thread swaps it in at its next search ({@link #refresh}) in one reference
 * assignment and closes the version it replaces. Versions that arrive while one is being prepared are
 * skipped but the newest.
 */
public final class ServingRanker implements Ranker {
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * @param model the model whose versions to serve
   * @param tuningQueries at most this many queries of the tuning split choose the hybrid's weight; 0 for all
   */
  public record Settings(KafkaConnection kafka, String model, int tuningQueries) {
    public Settings {
      Objects.requireNonNull(kafka, "kafka");
      Objects.requireNonNull(model, "model");
      if (tuningQueries < 0) {
        throw new IllegalArgumentException("tuning queries must be 0 (all) or more, was " + tuningQueries);
      }
    }
  }

  /** One prepared version: everything it needs to rank, released together. */
  private record Serving(Identity identity, RetrievalModel model, DenseIndex dense, HybridRetriever hybrid,
      VersionLease lease) implements AutoCloseable {
    @Override
    public void close() {
      try (lease; model; dense) {
        // closed in reverse order: the index, the model, then the lease
      }
    }
  }

  private final BeirDataset dataset;
  private final Bm25Index bm25;
  private final Ranker lexical;
  private final Settings settings;
  private final Consumer<String> log;
  private final AtomicReference<Serving> prepared = new AtomicReference<>();
  private final KafkaConsumer<String, ModelVersion> consumer;
  private final Thread watcher;
  private volatile boolean closing;
  /** For a metrics endpoint, read from its thread: the version serving, the last swap and preparation. */
  private volatile long servingVersion;
  private volatile double lastSwapSeconds;
  private volatile double lastPrepareSeconds;
  /** The version serving now, and its rankings so far; the simulator's thread only. */
  private Serving serving;
  private final Map<String, List<ScoredDocument>> rankings = new HashMap<>();

  private ServingRanker(BeirDataset dataset, Bm25Index bm25, Settings settings, Consumer<String> log) {
    this.dataset = dataset;
    this.bm25 = bm25;
    this.lexical = Ranker.bm25(bm25);
    this.settings = settings;
    this.log = log;
    Map<String, Object> c = settings.kafka().clientConfig();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(c, Topics.MODEL_VERSIONS.keySerde().deserializer(),
        Topics.MODEL_VERSIONS.valueSerde().deserializer());
    this.watcher = new Thread(this::watch, "serving-ranker " + settings.model());
    watcher.setDaemon(true);
  }

  /**
   * Starts following the versions of {@code settings.model()}; {@code bm25} must index the dataset's corpus and
   * outlive the ranker.
   */
  public static ServingRanker start(BeirDataset dataset, Bm25Index bm25, Settings settings, Consumer<String> log) {
    ServingRanker ranker = new ServingRanker(Objects.requireNonNull(dataset, "dataset"),
        Objects.requireNonNull(bm25, "bm25"), Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(log, "log"));
    ranker.watcher.start();
    return ranker;
  }

  @Override
  public void refresh() {
    Serving next = prepared.getAndSet(null);
    if (next == null) {
      return;
    }
    long start = System.nanoTime();
    Serving old = serving;
    serving = next;
    rankings.clear();
    if (old != null) {
      old.close();
    }
    servingVersion = next.identity().version();
    lastSwapSeconds = (System.nanoTime() - start) / 1e9;
    log.accept(String.format("serving %s version %d (%s: %s); swapped in %.1f ms", next.identity().model(),
        next.identity().version(), next.identity().ranker(), next.hybrid().fusion().describe(), lastSwapSeconds * 1e3));
  }

  @Override
  public List<ScoredDocument> rank(String queryId, String query, int depth) {
    if (serving == null) {
      return lexical.rank(queryId, query, depth);
    }
    List<ScoredDocument> cached = rankings.get(queryId);
    if (cached == null || cached.size() < depth) {
      cached = serving.hybrid().search(query, depth);
      rankings.put(queryId, cached);
    }
    return cached.size() > depth ? cached.subList(0, depth) : cached;
  }

  @Override
  public float score(String queryId, String query, String docId) {
    if (serving == null) {
      return lexical.score(queryId, query, docId);
    }
    for (ScoredDocument s : rank(queryId, query, HybridRetriever.CANDIDATES)) {
      if (s.id().equals(docId)) {
        return s.score();
      }
    }
    return 0;
  }

  @Override
  public Identity identity() {
    return serving == null ? Identity.BM25 : serving.identity();
  }

  /** The version serving now, 0 before the first; any thread may ask. */
  public long servingVersion() {
    return servingVersion;
  }

  /** Seconds the last swap took on the search thread (closing the replaced version included); any thread. */
  public double lastSwapSeconds() {
    return lastSwapSeconds;
  }

  /** Seconds the last version took to prepare (load, embed the corpus, tune); any thread. */
  public double lastPrepareSeconds() {
    return lastPrepareSeconds;
  }

  /** The background thread: follows the topic and prepares each newer version once it has read to the end. */
  private void watch() {
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODEL_VERSIONS.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      ModelVersion candidate = null;
      long newestPrepared = 0;
      while (!closing) {
        for (ConsumerRecord<String, ModelVersion> record : consumer.poll(POLL)) {
          ModelVersion v = record.value();
          if (v.getModel().equals(settings.model()) && v.getVersion() > newestPrepared
              && (candidate == null || v.getVersion() > candidate.getVersion())) {
            candidate = v;
          }
        }
        if (candidate != null && caughtUp(partitions)) {
          Serving ready = prepare(candidate);
          newestPrepared = candidate.getVersion();
          candidate = null;
          Serving replaced = ready == null ? null : prepared.getAndSet(ready);
          if (replaced != null) {
            replaced.close(); // never served: a newer one came first
          }
        }
      }
    } catch (WakeupException | InterruptException e) {
      // closing
    } catch (RuntimeException e) {
      log.accept("stopped following " + settings.model() + " versions: " + e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Whether the consumer has read every committed record there is now: only the newest version is prepared. */
  private boolean caughtUp(List<TopicPartition> partitions) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
  }

  /** Loads and indexes a version; null (and a line in the log) if it cannot. */
  private Serving prepare(ModelVersion version) {
    long start = System.nanoTime();
    Path dir;
    try {
      dir = Path.of(URI.create(version.getUri()));
    } catch (IllegalArgumentException e) {
      log.accept("cannot serve version " + version.getVersion() + ": bad uri " + version.getUri());
      return null;
    }
    VersionLease lease;
    try {
      lease = VersionLease.take(dir, "simulator");
    } catch (IllegalArgumentException e) {
      log.accept("cannot serve version " + version.getVersion() + ": " + e.getMessage());
      return null;
    }
    RetrievalModel model = null;
    DenseIndex dense = null;
    try {
      model = ModelStore.load(dir);
      dense = DenseIndex.build(model, dataset.corpus());
      HybridRetriever.Fusion fusion = new HybridRetriever.Fusion(HybridRetriever.Normalization.MIN_MAX, 0.5);
      if (dataset.splits().contains(VersionEvaluation.TUNING_SPLIT)) {
        fusion = HybridTuning.tune(dataset, VersionEvaluation.TUNING_SPLIT, dense, bm25, settings.tuningQueries())
            .fusion();
      }
      HybridRetriever hybrid = HybridRetriever.of(dense, bm25, fusion, dataset.corpus());
      lastPrepareSeconds = (System.nanoTime() - start) / 1e9;
      log.accept(String.format("prepared %s version %d in %.1f s", version.getModel(), version.getVersion(),
          lastPrepareSeconds));
      return new Serving(new Identity("hybrid", version.getModel(), version.getVersion()), model, dense, hybrid,
          lease);
    } catch (RuntimeException e) {
      if (dense != null) {
        dense.close();
      }
      if (model != null) {
        model.close();
      }
      lease.close();
      log.accept("cannot serve version " + version.getVersion() + ": " + e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      watcher.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Serving next = prepared.getAndSet(null);
    if (next != null) {
      next.close();
    }
    if (serving != null) {
      serving.close();
      serving = null;
    }
  }
}
