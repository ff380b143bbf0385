package dev.dualstream.trainer.negatives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.dualstream.cache.CacheEntry;
import dev.dualstream.cache.CacheStats;
import dev.dualstream.cache.NegativeCache;
import dev.dualstream.cache.NegativeCacheBuilder;
import dev.dualstream.cache.Sample;
import dev.dualstream.cache.SplitMix64;
import dev.dualstream.trainer.loss.CandidateSoftmax;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.loss.Scalars;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The training objective over negatives from any combination of sources ({@link NegativeConfig}),
 * with the loss family of {@link LossConfig}. One step runs in three calls:
 *
 * <ol>
 *   <li>{@link #plan}: count the batch in the popularity estimates (and its clicks in the memory of
 *       clicked documents, if on), draw the negatives (uniform; from the cache and from the corpus by
 *       Gumbel-max against the queries' current embeddings), leaving out of every source a query's
 *       positive and the documents its users clicked, and list the documents to encode;
 *   <li>{@link #loss}: with the queries and those documents encoded with gradients, build each
 *       query's candidate logits (fresh scores plus label bias and logQ offsets; the stale
 *       log-partitions of the cache and the corpus), compute the loss and its stop-gradient weights ({@link CandidateSoftmax}),
 *       and return the surrogate whose gradient is the loss's;
 *   <li>{@link #update}: write the drawn negatives' fresh embeddings back to the cache, insert the
 *       positives, refresh the oldest entries if asked, age the cache; grow the document pool;
 *       write back to the corpus and re-encode it when due.
 * </ol>
 *
 * <p>With the cache as the only source the candidates are {@code [s_pos, log Z_cache]}, so the
 * loss is the paper's interpretable loss {@code -log p_pos} and the surrogate is {@code (1 - p_pos)
 * (s_neg - s_pos)} (Lindgren et al., NeurIPS 2021). Label bias adds {@code tau log pi(d)} to every
 * candidate (for the cache cell, of the drawn entry: a one-sample estimate of the biased
 * partition). Randomness (uniform draws, the Gumbel noise of the cache and the corpus, the
 * sketches' hashes) derives from one seed, and {@link #writeState} saves all the state a step
 * changes (see {@link ObjectiveState}), so a restored objective continues exactly. Not thread-safe.
 */
public final class NegativeObjective {
  private final NegativeConfig config;
  private final LossConfig lossConfig;
  private final float scale;
  private final int dim;
  private final int maxFeatures;
  private final DocumentEncoder encoder;
  private NegativeCache cache;
  private final PopularityEstimate positives;
  private final PopularityEstimate skipped;
  private final DocumentPool pool;
  private final CorpusNegatives corpus;
  private final ClickedDocuments clicked;
  private final SplitMix64 random;
  private long steps;
  private double staleness = Double.NaN;

  private NegativeObjective(NegativeConfig config, LossConfig lossConfig, float scale, int dim, int maxFeatures,
      DocumentEncoder encoder, long seed) {
    this.config = config;
    this.lossConfig = lossConfig;
    this.scale = scale;
    this.dim = dim;
    this.maxFeatures = maxFeatures;
    this.encoder = encoder;
    this.random = new SplitMix64(DocKeys.mix(seed ^ 0x2545f4914f6cdd1dL));
    this.cache = config.cacheSize() == 0 ? null : cacheBuilder(config, scale, dim, maxFeatures, seed).build();
    boolean labelBias = lossConfig.labelBiasTau() != 0;
    this.positives = labelBias || config.logQ().contains(NegativeSource.IN_BATCH)
        ? sketch(config, seed ^ 0x51ed27a1L) : null;
    this.skipped = config.logQ().contains(NegativeSource.SKIP_ABOVE) ? sketch(config, seed ^ 0x7f4a7c15L) : null;
    this.pool = config.uniform() > 0 || config.corpusRefreshSteps() > 0
        ? new DocumentPool(config.poolCapacity()) : null;
    this.corpus = config.corpusRefreshSteps() > 0 ? new CorpusNegatives(pool, config.corpusRefreshSteps(), encoder,
        scale, dim, maxFeatures, DocKeys.mix(seed ^ 0xc0de)) : null;
    this.clicked = config.clickedMemory() > 0 ? new ClickedDocuments(config.clickedMemory()) : null;
  }

  /**
   * An objective at step 0.
   *
   * @param scale the score's multiplier of the cosine (the model's inverse temperature)
   * @param dim the embedding dimension
   * @param maxFeatures the most feature ids of a document (the cache stores at most this many)
   * @param encoder the current document tower without gradients (refreshing and re-encoding)
   */
  public static NegativeObjective create(NegativeConfig config, LossConfig loss, float scale, int dim,
      int maxFeatures, DocumentEncoder encoder, long seed) {
    Objects.requireNonNull(config, "config").validated();
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(encoder, "encoder");
    return new NegativeObjective(config, loss, scale, dim, maxFeatures, encoder, seed);
  }

  private static NegativeCacheBuilder cacheBuilder(NegativeConfig c, float scale, int dim, int features, long seed) {
    NegativeCacheBuilder builder = NegativeCache.builder().capacity(c.cacheSize()).dim(dim).maxFeatures(features)
        .scale(scale).seed(DocKeys.mix(seed ^ 0xcace));
    return c.cacheTopK() > 0 ? builder.topK(c.cacheTopK()) : builder.exact();
  }

  private static PopularityEstimate sketch(NegativeConfig c, long seed) {
    return new PopularityEstimate(c.popularityWidth(), c.popularityDepth(), c.popularityDecay(), seed);
  }

  /** Whether {@link #plan} needs the queries' current embeddings (to draw from the cache or the corpus). */
  public boolean needsQueryEmbeddings() {
    return cache != null || corpus != null;
  }

  /**
   * Makes a document known for uniform and corpus negatives (a no-op when neither is on).
   *
   * @return whether it was added (false: known already, pool full, or no pool)
   */
  public boolean addDocument(long key, int[] ids) {
    return pool != null && pool.add(key, ids);
  }

  /**
   * Counts the batch and draws its negatives.
   *
   * @param queries the queries' current embeddings, {@code B x dim} row-major; may be null unless
   *     {@link #needsQueryEmbeddings()}
   */
  public Plan plan(Batch batch, float[] queries) {
    int b = batch.size();
    if (b == 0) {
      throw new IllegalArgumentException("a batch needs at least one example");
    }
    if (needsQueryEmbeddings() && (queries == null || queries.length != b * dim)) {
      throw new IllegalArgumentException("need " + b + " x " + dim + " query embeddings");
    }
    count(batch);
    long[][] excluded = excluded(batch);
    int columns = 1 + (config.inBatch() ? b : 0) + config.skipAbove() + config.uniform() + (cache != null ? 1 : 0)
        + (corpus != null ? 1 : 0);
    Plan plan = new Plan(batch, columns, excluded);
    for (int i = 0; i < b; i++) {
      plan.score(i, 0, i, bias(batch.positiveKey(i)));
      int column = 1;
      if (config.inBatch()) {
        inBatch(plan, i, column);
        column += b;
      }
      if (config.skipAbove() > 0) {
        skipAbove(plan, i, column);
        column += config.skipAbove();
      }
      if (config.uniform() > 0) {
        uniform(plan, i, column);
      }
    }
    if (cache != null) {
      plan.sample = cache.sample(queries, excluded);
      drawnColumn(plan, plan.sample, plan.cacheDoc, columns - (corpus != null ? 2 : 1));
    }
    if (corpus != null) {
      plan.corpusSample = corpus.draw(queries, excluded);
      drawnColumn(plan, plan.corpusSample, plan.corpusDoc, columns - 1);
    }
    return plan;
  }

  /** Counts the batch in the popularity estimates and remembers its clicks. */
  private void count(Batch batch) {
    for (int i = 0; i < batch.size(); i++) {
      if (clicked != null) {
        clicked.add(batch.queryKey(i), batch.positiveKey(i));
      }
      if (positives != null) {
        positives.add(batch.positiveKey(i));
      }
      if (skipped != null) {
        long[] keys = batch.skipKeys(i);
        for (int t = 0; t < Math.min(keys.length, config.skipAbove()); t++) {
          skipped.add(keys[t]);
        }
      }
    }
  }

  /**
   * Per query, the documents no source may draw as its negatives: its positive, and with a clicked
   * memory every document its users clicked (this batch's clicks are already remembered).
   */
  private long[][] excluded(Batch batch) {
    long[][] excluded = new long[batch.size()][];
    for (int i = 0; i < excluded.length; i++) {
      long own = batch.positiveKey(i);
      long[] others = clicked == null ? new long[0] : clicked.clicked(batch.queryKey(i));
      excluded[i] = new long[others.length + 1];
      excluded[i][0] = own;
      System.arraycopy(others, 0, excluded[i], 1, others.length);
    }
    return excluded;
  }

  private double bias(long key) {
    double tau = lossConfig.labelBiasTau();
    return tau == 0 ? 0 : tau * positives.logProbability(key);
  }

  private void inBatch(Plan plan, int i, int column) {
    Batch batch = plan.batch;
    int b = batch.size();
    boolean correct = config.logQ().contains(NegativeSource.IN_BATCH);
    for (int j = 0; j < b; j++) {
      long key = batch.positiveKey(j);
      if (j != i && !plan.excludes(i, key)) {
        double logQ = correct ? Math.log((b - 1) * positives.probability(key)) : 0;
        plan.score(i, column + j, j, bias(key) - logQ);
      }
    }
  }

  private void skipAbove(Plan plan, int i, int column) {
    Batch batch = plan.batch;
    long[] keys = batch.skipKeys(i);
    List<int[]> ids = batch.skipIds(i);
    int taken = Math.min(keys.length, config.skipAbove());
    boolean correct = config.logQ().contains(NegativeSource.SKIP_ABOVE);
    for (int t = 0; t < taken; t++) {
      if (!plan.excludes(i, keys[t])) {
        double logQ = correct ? Math.log(taken * skipped.probability(keys[t])) : 0;
        plan.score(i, column + t, plan.addDocument(keys[t], ids.get(t)), bias(keys[t]) - logQ);
      }
      plan.pooledKeys.add(keys[t]);
      plan.pooledIds.add(ids.get(t));
    }
  }

  private void uniform(Plan plan, int i, int column) {
    int n = pool.size();
    if (n == 0) {
      return;
    }
    int draws = config.uniform();
    double logQ = config.logQ().contains(NegativeSource.UNIFORM) ? Math.log((double) draws / n) : 0;
    for (int u = 0; u < draws; u++) {
      int at = random.nextInt(n);
      long key = pool.key(at);
      if (!plan.excludes(i, key)) {
        plan.score(i, column + u, plan.addDocument(key, pool.ids(at)), bias(key) - logQ);
      }
    }
  }

  /**
   * The cell of a cache-like source: its logit is the stale log-partition of the candidates the
   * query drew from (plus the drawn entry's label bias, a one-sample estimate of the biased
   * partition); its gradient comes from the drawn document, re-encoded.
   */
  private void drawnColumn(Plan plan, Sample sample, int[] docs, int column) {
    for (int i = 0; i < plan.queries; i++) {
      if (sample.hasNegative(i)) {
        int doc = plan.addDocument(sample.docKey(i), sample.features(i));
        docs[i] = doc;
        plan.absolute(i, column, doc, sample.logPartition(i) + bias(sample.docKey(i)));
      }
    }
  }

  /**
   * The loss of a planned batch. Call it inside a gradient collector; arrays it creates belong to
   * the manager of {@code queries}.
   *
   * @param queries {@code B x dim} query embeddings with gradients
   * @param documents the embeddings of {@link Plan#documents()}, in that order, with gradients
   */
  public Loss loss(Plan plan, NDArray queries, NDArray documents) {
    int b = plan.queries;
    int n = plan.documents.size();
    if (queries.getShape().get(0) != b || documents.getShape().get(0) != n) {
      throw new IllegalArgumentException("plan has " + b + " queries and " + n + " documents, got "
          + queries.getShape() + " and " + documents.getShape());
    }
    NDManager m = queries.getManager();
    NDArray scores = queries.matMul(documents.transpose()).mul(Scalars.of(m, scale));
    float[] s = scores.toFloatArray();
    int columns = plan.columns;
    double[] logits = new double[b * columns];
    long[] gather = new long[b * columns];
    for (int cell = 0; cell < b * columns; cell++) {
      int i = cell / columns;
      int doc = plan.cellDoc[cell];
      gather[cell] = (long) i * n + Math.max(doc, 0);
      logits[cell] = doc < 0 ? Double.NEGATIVE_INFINITY
          : plan.cellAbsolute[cell] ? plan.cellValue[cell] : s[i * n + doc] + plan.cellValue[cell];
    }
    CandidateSoftmax.Result result = CandidateSoftmax.compute(logits, b, columns, lossConfig, rowWeights(plan.batch));
    NDArray picked = scores.reshape(-1).get(m.create(gather, new Shape(b, columns)));
    NDArray surrogate = picked.mul(m.create(result.weights(), new Shape(b, columns))).sum();
    return new Loss(surrogate, result.loss(), result.positiveProbability(), plan.accuracy(s), s);
  }

  /** Each example's inverse-propensity weight ({@link LossConfig#weight}); null when the loss is unweighted. */
  private double[] rowWeights(Batch batch) {
    if (!lossConfig.weighted()) {
      return null;
    }
    double[] weights = new double[batch.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = lossConfig.weight(batch.exposure(i));
    }
    return weights;
  }

  /**
   * Ends the step: cache refresh and insertion (see {@link NegativeCache}), pool growth, corpus
   * write-back of drawn negatives and positives, and its re-encoding when due.
   *
   * @param documents the fresh embeddings of {@link Plan#documents()} from this step's forward pass,
   *     row-major
   * @param modelVersion recorded with cache entries written now (the trainer's step)
   */
  public void update(Plan plan, float[] documents, long modelVersion) {
    if (documents.length != plan.documents.size() * dim) {
      throw new IllegalArgumentException("need " + plan.documents.size() + " x " + dim + " document embeddings");
    }
    if (cache != null) {
      updateCache(plan, documents, modelVersion);
    }
    if (pool != null) {
      for (int i = 0; i < plan.queries; i++) {
        pool.add(plan.batch.positiveKey(i), plan.batch.positive(i));
      }
      for (int t = 0; t < plan.pooledKeys.size(); t++) {
        pool.add(plan.pooledKeys.get(t), plan.pooledIds.get(t));
      }
    }
    steps++;
    if (corpus != null) {
      double corpusStaleness = corpus.update(plan.corpusSample, plan.corpusDoc, plan.batch.positiveKeys(), documents,
          modelVersion, steps);
      if (cache == null) {
        staleness = corpusStaleness;
      }
    }
  }

  private void updateCache(Plan plan, float[] documents, long version) {
    staleness = WriteBack.drawn(cache, plan.sample, plan.cacheDoc, config.cacheRefreshSampled(), documents, dim,
        version);
    for (int i = 0; i < plan.queries; i++) {
      int[] ids = plan.batch.positive(i);
      cache.insert(plan.batch.positiveKey(i), ids.length > maxFeatures ? Arrays.copyOf(ids, maxFeatures) : ids,
          WriteBack.row(documents, i, dim), version);
    }
    if (config.cacheRefreshOldest() > 0) {
      List<CacheEntry> oldest = cache.oldest(config.cacheRefreshOldest());
      List<int[]> features = new ArrayList<>(oldest.size());
      oldest.forEach(e -> features.add(e.features()));
      float[][] fresh = encoder.embed(features);
      for (int t = 0; t < oldest.size(); t++) {
        cache.refresh(oldest.get(t).docKey(), fresh[t], version);
      }
    }
    cache.advance();
  }

  /** Entries in the cache (0 without a cache). */
  public int cacheSize() {
    return cache == null ? 0 : cache.size();
  }

  /**
   * Mean relative squared error between the cached and the fresh embedding of the negatives drawn
   * from the cache in the last step, measured whether or not they are written back (without a
   * cache, of those drawn from the corpus); NaN without a draw.
   */
  public double cacheStaleness() {
    return staleness;
  }

  /** The cache's own statistics, if there is a cache. */
  public Optional<CacheStats> cacheStats() {
    return cache == null ? Optional.empty() : Optional.of(cache.stats());
  }

  /** Documents in the pool of uniform and corpus negatives. */
  public int poolSize() {
    return pool == null ? 0 : pool.size();
  }

  /**
   * Writes everything a step changes (cache, popularity sketches, document pool, corpus, random
   * state, counters) to {@code file}, for {@link #readState}.
   */
  public void writeState(Path file) throws IOException {
    ObjectiveState.write(this, file);
  }

  /**
   * Continues from a state written by {@link #writeState} of an objective created with the same
   * configuration, dimensions and seed.
   *
   * @throws IOException naming the file, if it is missing, foreign, truncated, damaged, of an
   *     unknown format version or written for another configuration; this objective is then unchanged
   */
  public void readState(Path file) throws IOException {
    ObjectiveState.read(file, this);
  }

  void restore(long savedSteps, double savedStaleness, long randomState, NegativeCache savedCache) {
    steps = savedSteps;
    staleness = savedStaleness;
    random.setState(randomState);
    cache = savedCache;
  }

  // The components, null when switched off: for the state codec and tests in this package.
  NegativeCache cache() {
    return cache;
  }

  CorpusNegatives corpus() {
    return corpus;
  }

  PopularityEstimate positives() {
    return positives;
  }

  PopularityEstimate skipped() {
    return skipped;
  }

  DocumentPool pool() {
    return pool;
  }

  ClickedDocuments clicked() {
    return clicked;
  }

  long steps() {
    return steps;
  }

  long randomState() {
    return random.state();
  }

  public NegativeConfig config() {
    return config;
  }

  public LossConfig lossConfig() {
    return lossConfig;
  }

  /**
   * The loss of one batch.
   *
   * @param surrogate differentiate this: its gradient is the loss's
   * @param value the mean loss (for cross-entropy, {@code -log p_pos})
   * @param positiveProbability mean probability of the positive among its candidates
   * @param accuracy share of queries whose positive outscored every negative document drawn for them
   * @param scores the fresh scores ({@code scale x cosine}) of every query against every planned document,
   *     {@code queries x documents} row-major, without corrections
   */
  public record Loss(NDArray surrogate, double value, double positiveProbability, double accuracy, float[] scores) {}
}
