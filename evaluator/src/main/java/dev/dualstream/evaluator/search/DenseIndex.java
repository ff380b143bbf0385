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
 * <p>Layout and kernel: documents are stored in blocks of {@value #DOC_BLOCK}, each block transposed
 * (dimension-major, the block's documents contiguous for each dimension). Scoring one query against
 * a block is then {@code scores[i] += q[j] * block[j][i]} over j: an element-wise multiply-add that
 * the JIT compiles to SIMD instructions, where a per-document dot product would be a sequential
 * reduction it cannot vectorise. A task takes a block of queries and walks the document blocks, each
 * small enough to stay in L2 cache while every query of the task is scored against it, so document
 * memory is read once per query block rather than once per query. Query blocks run in parallel on a
 * bounded pool; each query keeps its best k in a small heap. The model itself is called from one
 * thread only, as it is not thread-safe.
 */
public final class DenseIndex implements Retriever {
  private static final int QUERY_BLOCK = 32;
  static final int DOC_BLOCK = 256;

  private final RetrievalModel model;
  private final String[] ids;
  private final float[] vectors;
  private final int dimension;
  private final int batchSize;
  private final int threads;

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
    if (((long) corpus.size() + DOC_BLOCK) * dimension > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("corpus of " + corpus.size() + " documents x " + dimension
          + " dimensions is too large for exact search in one array");
    }
    String[] ids = new String[corpus.size()];
    int blocks = (corpus.size() + DOC_BLOCK - 1) / DOC_BLOCK;
    float[] vectors = new float[blocks * DOC_BLOCK * dimension];
    for (int start = 0; start < corpus.size(); start += batchSize) {
      List<DocumentText> batch = corpus.subList(start, Math.min(corpus.size(), start + batchSize));
      float[][] rows = model.embedDocuments(batch);
      checkRows(rows, batch.size(), dimension, "embedDocuments");
      for (int i = 0; i < batch.size(); i++) {
        int doc = start + i;
        ids[doc] = batch.get(i).id();
        int blockOffset = (doc / DOC_BLOCK) * DOC_BLOCK * dimension;
        for (int j = 0; j < dimension; j++) {
          vectors[blockOffset + j * DOC_BLOCK + doc % DOC_BLOCK] = rows[i][j];
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
      int blockOffset = (doc / DOC_BLOCK) * DOC_BLOCK * dimension;
      for (int j = 0; j < dimension; j++) {
        rows[doc * dimension + j] = vectors[blockOffset + j * DOC_BLOCK + doc % DOC_BLOCK];
      }
    }
    return rows;
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
    TopK[] heaps = new TopK[to - from];
    for (int q = 0; q < heaps.length; q++) {
      heaps[q] = new TopK(k);
    }
    int n = ids.length;
    float[] scores = new float[DOC_BLOCK];
    for (int docStart = 0; docStart < n; docStart += DOC_BLOCK) {
      int count = Math.min(DOC_BLOCK, n - docStart);
      int blockOffset = docStart * dimension;
      for (int q = from; q < to; q++) {
        scoreAgainstBlock(queryVectors, q * dimension, vectors, blockOffset, dimension, scores);
        TopK heap = heaps[q - from];
        for (int i = 0; i < count; i++) {
          heap.offer(scores[i], docStart + i);
        }
      }
    }
    for (int q = from; q < to; q++) {
      TopK heap = heaps[q - from];
      float[] best = new float[heap.size()];
      int[] order = heap.drainBestFirst(best);
      List<ScoredDocument> ranked = new ArrayList<>(order.length);
      for (int i = 0; i < order.length; i++) {
        ranked.add(new ScoredDocument(ids[order[i]], best[i]));
      }
      synchronized (results) {
        results.set(q, List.copyOf(ranked));
      }
    }
  }

  /**
   * Scores one query against one transposed document block: {@code scores[i]} becomes the sum over
   * dimensions j, in ascending order, of {@code query[j] * document_i[j]}. Four dimensions per pass
   * cut the loads and stores of {@code scores} fourfold; Java evaluates the sum left to right, so
   * the result is bit-identical to adding one dimension at a time.
   */
  static void scoreAgainstBlock(float[] queries, int queryOffset, float[] blocks, int blockOffset, int dimension,
      float[] scores) {
    Arrays.fill(scores, 0f);
    int j = 0;
    for (; j + 3 < dimension; j += 4) {
      float w0 = queries[queryOffset + j];
      float w1 = queries[queryOffset + j + 1];
      float w2 = queries[queryOffset + j + 2];
      float w3 = queries[queryOffset + j + 3];
      int r0 = blockOffset + j * DOC_BLOCK;
      int r1 = r0 + DOC_BLOCK;
      int r2 = r1 + DOC_BLOCK;
      int r3 = r2 + DOC_BLOCK;
      for (int i = 0; i < DOC_BLOCK; i++) {
        scores[i] = scores[i] + w0 * blocks[r0 + i] + w1 * blocks[r1 + i] + w2 * blocks[r2 + i] + w3 * blocks[r3 + i];
      }
    }
    for (; j < dimension; j++) {
      float weight = queries[queryOffset + j];
      int row = blockOffset + j * DOC_BLOCK;
      for (int i = 0; i < DOC_BLOCK; i++) {
        scores[i] += weight * blocks[row + i];
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
