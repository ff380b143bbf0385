package dev.dualstream.trainer.negatives;

import java.io.Serializable;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Which negatives a query is trained against, and how their logits are corrected. Immutable;
 * {@link #defaults()} is in-batch negatives only, uncorrected, which is what the trainer always did.
 * Sources combine: a query's candidates are its positive plus the negatives of every source that is
 * switched on, in one softmax.
 *
 * <p>logQ correction (Rawat et al., ICML 2021; Yi et al., RecSys 2019): a source that draws m
 * negatives for a query from a distribution q gives each of them logit {@code s - log(m q(d))}, so
 * that the sum of their {@code exp} estimates the partition over the whole corpus without sampling
 * bias. q is the streaming popularity of positives for in-batch negatives, the streaming frequency
 * among skip-above negatives for those, and {@code 1 / pool size} for uniform ones. The cache and
 * the corpus source always correct for their own, exactly known, draw probabilities.
 *
 * @param inBatch the other examples' positives are negatives (duplicates of the query's own
 *     positive are left out)
 * @param cacheSize entries of the negative cache (0: no cache); the batch's positives stream in
 * @param cacheTopK draw among this many grouped maxima of the cache scores (0: exact softmax
 *     sampling over all entries); must divide cacheSize
 * @param cacheRefreshSampled write the re-encoded embeddings of drawn negatives back to the cache
 * @param cacheRefreshOldest re-encode and write back the this many oldest cache entries per step
 * @param skipAbove use at most this many skip-above documents per example (0: none), topmost first
 * @param uniform draw this many documents per query uniformly from the document pool (0: none)
 * @param corpusRefreshSteps softmax over the whole document pool, re-encoded every this many steps
 *     and written back with drawn negatives and positives in between (0: off); the ceiling the
 *     streaming cache approximates
 * @param poolCapacity most documents the pool keeps for uniform and corpus negatives: documents
 *     added to the trainer, then positives and skip-above documents as they stream by; once full,
 *     new ones are not added
 * @param logQ sources whose logits get the logQ correction: any of IN_BATCH, SKIP_ABOVE, UNIFORM
 * @param popularityWidth columns of the count-min sketches behind the popularity estimates (a power
 *     of two)
 * @param popularityDepth rows (hash functions) of those sketches
 * @param popularityDecay factor by which older counts fade per counted occurrence (1: no decay)
 * @param clickedMemory queries whose clicked documents are remembered (the newest 4 per query, in
 *     a direct-mapped table of this many queries), so that no source draws a document as a negative
 *     for a query whose users clicked it, in this batch or before (0: off; a query's own positive is
 *     never its negative either way)
 */
public record NegativeConfig(
    boolean inBatch,
    int cacheSize,
    int cacheTopK,
    boolean cacheRefreshSampled,
    int cacheRefreshOldest,
    int skipAbove,
    int uniform,
    int corpusRefreshSteps,
    int poolCapacity,
    Set<NegativeSource> logQ,
    int popularityWidth,
    int popularityDepth,
    double popularityDecay,
    int clickedMemory)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The largest cache this configuration accepts (the cache library's own limit). */
  public static final int MAX_CACHE_SIZE = 1 << 28;

  /** The most queries the clicked-documents memory accepts (about 41 bytes each). */
  public static final int MAX_CLICKED_MEMORY = 1 << 26;

  private static final Set<NegativeSource> CORRECTABLE =
      EnumSet.of(NegativeSource.IN_BATCH, NegativeSource.SKIP_ABOVE, NegativeSource.UNIFORM);

  /** One line per option, in declaration order, for help texts. */
  public static final Map<String, String> DESCRIPTIONS = descriptions();

  public NegativeConfig {
    logQ = copy(logQ);
    nonNegative("cacheSize", cacheSize);
    nonNegative("cacheTopK", cacheTopK);
    nonNegative("cacheRefreshOldest", cacheRefreshOldest);
    nonNegative("skipAbove", skipAbove);
    nonNegative("uniform", uniform);
    nonNegative("corpusRefreshSteps", corpusRefreshSteps);
    nonNegative("clickedMemory", clickedMemory);
    if (clickedMemory > MAX_CLICKED_MEMORY) {
      throw new IllegalArgumentException(
          "clickedMemory must be at most " + MAX_CLICKED_MEMORY + " queries, got " + clickedMemory);
    }
    if (cacheSize > MAX_CACHE_SIZE) {
      throw new IllegalArgumentException("cacheSize must be at most " + MAX_CACHE_SIZE + ", got " + cacheSize);
    }
    if (cacheTopK > 0 && (cacheSize == 0 || cacheSize % cacheTopK != 0)) {
      throw new IllegalArgumentException("cacheTopK " + cacheTopK + " must divide cacheSize " + cacheSize
          + " (the top-k candidates are the maxima of equal groups of cache slots)");
    }
    if (poolCapacity < 1) {
      throw new IllegalArgumentException("poolCapacity must be at least 1, got " + poolCapacity);
    }
    if (popularityWidth < 16 || popularityWidth > (1 << 26) || Integer.bitCount(popularityWidth) != 1) {
      throw new IllegalArgumentException(
          "popularityWidth must be a power of two in [16, 2^26], got " + popularityWidth);
    }
    if (popularityDepth < 1 || popularityDepth > 16) {
      throw new IllegalArgumentException("popularityDepth must be in [1, 16], got " + popularityDepth);
    }
    if (!(popularityDecay > 0 && popularityDecay <= 1)) {
      throw new IllegalArgumentException("popularityDecay must be in (0, 1], got " + popularityDecay);
    }
    for (NegativeSource source : logQ) {
      if (!CORRECTABLE.contains(source)) {
        throw new IllegalArgumentException("logQ applies to IN_BATCH, SKIP_ABOVE and UNIFORM; " + source
            + " always corrects for its own draw probability");
      }
    }
  }

  /**
   * This configuration, checked as a whole: at least one source is on, and only sources that are on
   * are logQ-corrected. (The constructor checks each option alone, so that the {@code with...}
   * methods can be chained in any order.)
   *
   * @throws IllegalArgumentException naming the contradiction
   */
  public NegativeConfig validated() {
    Set<NegativeSource> on = sources();
    if (on.isEmpty()) {
      throw new IllegalArgumentException("no source of negatives is switched on");
    }
    for (NegativeSource source : logQ) {
      if (!on.contains(source)) {
        throw new IllegalArgumentException("logQ correction for " + source + ", which is switched off");
      }
    }
    return this;
  }

  /** In-batch negatives only, no correction; pool 2^20 documents; sketches 2^18 x 4, no decay. */
  public static NegativeConfig defaults() {
    return new NegativeConfig(true, 0, 0, true, 0, 0, 0, 0, 1 << 20, Set.of(), 1 << 18, 4, 1.0, 0);
  }

  /** The sources switched on, in declaration order. */
  public Set<NegativeSource> sources() {
    return sources(inBatch, cacheSize, skipAbove, uniform, corpusRefreshSteps);
  }

  /**
   * Whether this is plain in-batch softmax: in-batch negatives only, without correction, and
   * without a clicked-documents memory (which masks some in-batch negatives).
   */
  public boolean inBatchOnly() {
    return sources().equals(EnumSet.of(NegativeSource.IN_BATCH)) && logQ.isEmpty() && clickedMemory == 0;
  }

  /** A short name of the sources, such as {@code in-batch+cache}, with {@code /logQ} on corrected ones. */
  public String label() {
    StringJoiner joiner = new StringJoiner("+");
    for (NegativeSource source : sources()) {
      String name = source.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      joiner.add(logQ.contains(source) ? name + "/logQ" : name);
    }
    return joiner.toString();
  }

  public NegativeConfig withInBatch(boolean on) {
    return new NegativeConfig(on, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  /** A negative cache of {@code size} entries (0: none), exact sampling for {@code topK} 0. */
  public NegativeConfig withCache(int size, int topK) {
    return new NegativeConfig(inBatch, size, topK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  public NegativeConfig withCacheRefresh(boolean sampled, int oldest) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, sampled, oldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  public NegativeConfig withSkipAbove(int perExample) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, perExample,
        uniform, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  public NegativeConfig withUniform(int perQuery) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        perQuery, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  /** Full softmax over the document pool, re-encoded every {@code refreshSteps} steps (0: off). */
  public NegativeConfig withCorpus(int refreshSteps) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, refreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  public NegativeConfig withPoolCapacity(int documents) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, documents, logQ, popularityWidth, popularityDepth, popularityDecay,
        clickedMemory);
  }

  /** The sources to logQ-correct (replacing the current set). */
  public NegativeConfig withLogQ(NegativeSource... corrected) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, Set.of(corrected), popularityWidth, popularityDepth,
        popularityDecay, clickedMemory);
  }

  public NegativeConfig withPopularity(int width, int depth, double decay) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, logQ, width, depth, decay, clickedMemory);
  }

  /** Remember the clicked documents of this many queries, never drawn as their negatives (0: off). */
  public NegativeConfig withClickedMemory(int queries) {
    return new NegativeConfig(inBatch, cacheSize, cacheTopK, cacheRefreshSampled, cacheRefreshOldest, skipAbove,
        uniform, corpusRefreshSteps, poolCapacity, logQ, popularityWidth, popularityDepth, popularityDecay, queries);
  }

  private static Set<NegativeSource> sources(boolean inBatch, int cache, int skip, int uniform, int corpus) {
    Set<NegativeSource> on = EnumSet.noneOf(NegativeSource.class);
    if (inBatch) {
      on.add(NegativeSource.IN_BATCH);
    }
    if (cache > 0) {
      on.add(NegativeSource.CACHE);
    }
    if (skip > 0) {
      on.add(NegativeSource.SKIP_ABOVE);
    }
    if (uniform > 0) {
      on.add(NegativeSource.UNIFORM);
    }
    if (corpus > 0) {
      on.add(NegativeSource.CORPUS);
    }
    return Collections.unmodifiableSet(on);
  }

  /** An ordered, unmodifiable copy, so that JSON (and the model's config hash) is stable. */
  private static Set<NegativeSource> copy(Collection<NegativeSource> sources) {
    Set<NegativeSource> copy = EnumSet.noneOf(NegativeSource.class);
    if (sources != null) {
      for (NegativeSource source : sources) {
        if (source == null) {
          throw new IllegalArgumentException("logQ must not contain null");
        }
        copy.add(source);
      }
    }
    return Collections.unmodifiableSet(copy);
  }

  private static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + value);
    }
  }

  private static Map<String, String> descriptions() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("inBatch", "the other examples' positives in the batch are negatives");
    d.put("cacheSize", "entries of the negative cache; 0 switches it off");
    d.put("cacheTopK", "draw cache negatives among this many grouped maxima; 0 samples exactly");
    d.put("cacheRefreshSampled", "write re-encoded embeddings of drawn negatives back to the cache");
    d.put("cacheRefreshOldest", "re-encode this many of the oldest cache entries per step");
    d.put("skipAbove", "skip-above documents (shown above the click, not clicked) per example; 0: none");
    d.put("uniform", "documents drawn uniformly from the document pool per query; 0: none");
    d.put("corpusRefreshSteps", "softmax over the whole document pool, re-encoded every this many steps; 0: off");
    d.put("poolCapacity", "most documents kept for uniform and corpus negatives");
    d.put("logQ", "sources whose logits get the logQ correction (IN_BATCH, SKIP_ABOVE, UNIFORM)");
    d.put("popularityWidth", "columns of the popularity count-min sketches (a power of two)");
    d.put("popularityDepth", "rows of the popularity count-min sketches");
    d.put("popularityDecay", "per-occurrence decay of popularity counts; 1: none");
    d.put("clickedMemory",
        "queries whose clicked documents are remembered and never drawn as their negatives; 0: off");
    return Collections.unmodifiableMap(d);
  }
}
