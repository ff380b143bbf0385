package dev.dualstream.evaluator.search;

import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.RetrievalModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Exact top-k search over a dual encoder's document embeddings. The corpus is embedded once, in
 * batches; a search embeds the queries in batches and scores them against every document by dot
 * product (the model's vectors are unit length, so this is cosine).
 *
 * <p>Layout and kernel: documents are stored in panels of {@value ScoreKernel#PANEL}, each panel
 * dimension-major, and a {@link ScoreKernel} scores {@value ScoreKernel#QUERIES} queries against one
 * panel at a time with their sums held in registers, as a matrix-multiply micro-kernel does (SIMD
 * through the Vector API where the JVM has it, plain Java otherwise; both give the same bits). A task
 * takes a block of queries and walks the panels, each small enough to stay in L1 cache while every
 * query of the task is scored against it. Most scores fall below their query's current k-th best and
 * cost one comparison; the rest go into that query's heap. Query blocks run in parallel on a bounded
 * pool. The model itself is called from one thread only, as it is not thread-safe.
 */
public final class DenseIndex implements Retriever {
  private static final int QUERY_BLOCK = 32;
  private static final int PANEL = ScoreKernel.PANEL;
  private static final int KERNEL_QUERIES = ScoreKernel.QUERIES;

  private final RetrievalModel model;
  private final String[] ids;
  private final float[] vectors;
  private final int dimension;
  private final int batchSize;
  private final int threads;
  private final ScoreKernel kernel = ScoreKernel.forThisJvm();

  private DenseIndex(RetrievalModel model, String[] ids, float[] vectors, int dimension, int batchSize, int threads) {
    this.model = model;
    this.ids = ids;
    this.vectors = vectors;
    this.dimension = dimension;
    this.batchSize = batchSize;
    this.threads = threads;
  }

  /** Embeds the corpus with batches of 256 and searches on as many threads as there are processors. */
  public static DenseIndex build(RetrievalModel model, List<DocumentText> corpus) {
    return build(model, corpus, 256, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Embeds the corpus in batches of {@code batchSize}; searches will score on at most {@code threads}
   * threads. The index keeps using {@code model} for queries and does not close it.
   */
  public static DenseIndex build(RetrievalModel model, List<DocumentText> corpus, int batchSize, int threads) {
    Objects.requireNonNull(model, "model");
    if (batchSize < 1 || threads < 1) {
      throw new IllegalArgumentException("batchSize and threads must be at least 1");
    }
    int dimension = model.dimension();
    if (((long) corpus.size() + PANEL) * dimension > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("corpus of " + corpus.size() + " documents x " + dimension
          + " dimensions is too large for exact search in one array");
    }
    String[] ids = new String[corpus.size()];
    int panels = (corpus.size() + PANEL - 1) / PANEL;
    float[] vectors = new float[panels * PANEL * dimension];
    for (int start = 0; start < corpus.size(); start += batchSize) {
      List<DocumentText> batch = corpus.subList(start, Math.min(corpus.size(), start + batchSize));
      float[][] rows = model.embedDocuments(batch);
      checkRows(rows, batch.size(), dimension, "embedDocuments");
      for (int i = 0; i < batch.size(); i++) {
        int doc = start + i;
        ids[doc] = batch.get(i).id();
        for (int j = 0; j < dimension; j++) {
          vectors[slot(doc, j, dimension)] = rows[i][j];
        }
      }
    }
    return new DenseIndex(model, ids, vectors, dimension, batchSize, threads);
  }

  /** Number of indexed documents. */
  public int size() {
    return ids.length;
  }

  /** The embedding dimension. */
  public int dimension() {
    return dimension;
  }

  @Override
  public List<List<ScoredDocument>> search(List<String> queries, int k) {
    return searchVectors(embedQueries(queries), k);
  }

  /** The queries' embeddings, row after row ({@link #dimension()} floats each). */
  public float[] embedQueries(List<String> queries) {
    float[] queryVectors = new float[queries.size() * dimension];
    for (int start = 0; start < queries.size(); start += batchSize) {
      List<String> batch = queries.subList(start, Math.min(queries.size(), start + batchSize));
      float[][] rows = model.embedQueries(batch);
      checkRows(rows, batch.size(), dimension, "embedQueries");
      for (int i = 0; i < batch.size(); i++) {
        System.arraycopy(rows[i], 0, queryVectors, (start + i) * dimension, dimension);
      }
    }
    return queryVectors;
  }

  /** The documents' embeddings in corpus order, row after row ({@link #dimension()} floats each). */
  public float[] documentVectors() {
    float[] rows = new float[ids.length * dimension];
    for (int doc = 0; doc < ids.length; doc++) {
      for (int j = 0; j < dimension; j++) {
        rows[doc * dimension + j] = vectors[slot(doc, j, dimension)];
      }
    }
    return rows;
  }

  /** Where dimension j of document {@code doc} lies in the panel layout. */
  private static int slot(int doc, int j, int dimension) {
    return (doc / PANEL) * PANEL * dimension + j * PANEL + doc % PANEL;
  }

  /** Which scoring kernel this index runs ("simd-512", "simd-256" or "scalar"). */
  public String kernel() {
    return kernel.name();
  }

  /** The document ids in corpus order. */
  public List<String> documentIds() {
    return List.of(ids);
  }

  /**
   * Exact top {@code k} for query embeddings given row after row ({@link #embedQueries}), scored on at
   * most the index's threads; the part of a search that does not call the model.
   */
  public List<List<ScoredDocument>> searchVectors(float[] queryVectors, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, was " + k);
    }
    if (queryVectors.length % dimension != 0) {
      throw new IllegalArgumentException(queryVectors.length + " floats are not whole " + dimension + "-dimensional rows");
    }
    int count = queryVectors.length / dimension;
    List<List<ScoredDocument>> results = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      results.add(null);
    }
    int blocks = (count + QUERY_BLOCK - 1) / QUERY_BLOCK;
    int poolSize = Math.max(1, Math.min(threads, blocks));
    ExecutorService pool = Executors.newFixedThreadPool(poolSize, runnable -> {
      Thread thread = new Thread(runnable, "dense-search");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<?>> tasks = new ArrayList<>(blocks);
      for (int block = 0; block < blocks; block++) {
        int from = block * QUERY_BLOCK;
        int to = Math.min(count, from + QUERY_BLOCK);
        tasks.add(pool.submit(() -> scoreBlock(queryVectors, from, to, Math.min(k, ids.length), results)));
      }
      for (Future<?> task : tasks) {
        task.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("search interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("search failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return Collections.unmodifiableList(results);
  }

  /** Scores queries [from, to) against every document; each task writes disjoint result slots. */
  private void scoreBlock(float[] queryVectors, int from, int to, int k, List<List<ScoredDocument>> results) {
    int count = to - from;
    int groups = (count + KERNEL_QUERIES - 1) / KERNEL_QUERIES;
    // The kernel takes whole groups of queries: the last group is padded with zero vectors, whose
    // scores are never offered.
    float[] queries = Arrays.copyOfRange(queryVectors, from * dimension, (from + groups * KERNEL_QUERIES) * dimension);
    if (to < from + groups * KERNEL_QUERIES) {
      Arrays.fill(queries, count * dimension, queries.length, 0f);
    }
    TopK[] heaps = new TopK[count];
    for (int q = 0; q < count; q++) {
      heaps[q] = new TopK(k);
    }
    float[] scores = new float[KERNEL_QUERIES * PANEL];
    int n = ids.length;
    for (int panelStart = 0; panelStart < n; panelStart += PANEL) {
      int docs = Math.min(PANEL, n - panelStart);
      int panelOffset = panelStart * dimension;
      for (int group = 0; group < groups; group++) {
        kernel.score(queries, group * KERNEL_QUERIES * dimension, vectors, panelOffset, dimension, scores);
        int members = Math.min(KERNEL_QUERIES, count - group * KERNEL_QUERIES);
        for (int m = 0; m < members; m++) {
          heaps[group * KERNEL_QUERIES + m].offerAll(scores, m * PANEL, docs, panelStart);
        }
      }
    }
    for (int q = 0; q < count; q++) {
      TopK heap = heaps[q];
      float[] best = new float[heap.size()];
      int[] order = heap.drainBestFirst(best);
      List<ScoredDocument> ranked = new ArrayList<>(order.length);
      for (int i = 0; i < order.length; i++) {
        ranked.add(new ScoredDocument(ids[order[i]], best[i]));
      }
      synchronized (results) {
        results.set(from + q, List.copyOf(ranked));
      }
    }
  }

  private static void checkRows(float[][] rows, int expected, int dimension, String method) {
    if (rows == null || rows.length != expected) {
      throw new IllegalStateException("model's " + method + " returned " + (rows == null ? "null" : rows.length)
          + " rows for " + expected + " inputs");
    }
    for (float[] row : rows) {
      if (row == null || row.length != dimension) {
        throw new IllegalStateException("model's " + method + " returned a row of length "
            + (row == null ? "null" : row.length) + ", expected its dimension " + dimension);
      }
    }
  }
}
