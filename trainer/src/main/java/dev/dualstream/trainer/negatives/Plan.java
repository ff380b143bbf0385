package dev.dualstream.trainer.negatives;

import dev.dualstream.cache.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The negatives drawn for one batch, before any gradient: the documents to encode (the positives
 * first, in example order, then every drawn negative) and, per query, its candidate cells.
 *
 * <p>A cell is masked (absent), or names a document and either an offset added to that document's
 * fresh score (label bias, logQ) or an absolute logit (the stale log-partition of the cache or of
 * the corpus). Produced by {@link NegativeObjective#plan}, consumed by its {@code loss} and {@code
 * update}.
 */
public final class Plan {
  final Batch batch;
  final int queries;
  final int columns;
  final List<int[]> documents;
  private final List<Long> documentKeys;
  private int[] studentCells;
  private int studentColumns;
  final int[] cellDoc;
  final double[] cellValue;
  final boolean[] cellAbsolute;
  Sample sample;
  final int[] cacheDoc;
  Sample corpusSample;
  final int[] corpusDoc;
  final List<Long> pooledKeys = new ArrayList<>();
  final List<int[]> pooledIds = new ArrayList<>();
  private final long[][] excluded;

  /**
   * @param excluded per query, the document keys that must not be its negatives
   */
  Plan(Batch batch, int columns, long[][] excluded) {
    this.batch = batch;
    this.excluded = excluded;
    this.queries = batch.size();
    this.columns = columns;
    this.documents = new ArrayList<>(queries * 2);
    this.documentKeys = new ArrayList<>(queries * 2);
    for (int i = 0; i < queries; i++) {
      documents.add(batch.positive(i));
      documentKeys.add(batch.positiveKey(i));
    }
    this.cellDoc = new int[queries * columns];
    Arrays.fill(cellDoc, -1);
    this.cellValue = new double[queries * columns];
    this.cellAbsolute = new boolean[queries * columns];
    this.cacheDoc = new int[queries];
    Arrays.fill(cacheDoc, -1);
    this.corpusDoc = new int[queries];
    Arrays.fill(corpusDoc, -1);
  }

  /** Whether {@code key} must not be a negative of query {@code i} (its positive, or a document its users clicked). */
  boolean excludes(int i, long key) {
    for (long k : excluded[i]) {
      if (k == key) {
        return true;
      }
    }
    return false;
  }

  /** The feature ids to encode with gradients after the queries: positives, then negatives. */
  public List<int[]> documents() {
    return Collections.unmodifiableList(documents);
  }

  /** The number of queries (the batch size). */
  public int size() {
    return queries;
  }

  /**
   * The candidate cells for students, row-major {@code queries x columns()}: the index in {@link
   * #documents()} of each candidate, -1 where there is none. Each row starts with the objective's own
   * columns (the cache's and the corpus's cells naming the document drawn), then holds every other
   * document the step encoded (the batch's other positives, other queries' skip-above documents and
   * draws), once per document and never one the query must not have as a negative: a student learns
   * from the teacher's scores of everything the step encoded, whatever the teacher's loss used.
   */
  public int[] cells() {
    if (studentCells == null) {
      studentCells = widen();
    }
    return studentCells.clone();
  }

  /** Columns of {@link #cells()}. */
  public int columns() {
    if (studentCells == null) {
      studentCells = widen();
    }
    return studentColumns;
  }

  private int[] widen() {
    int n = documents.size();
    List<int[]> extras = new ArrayList<>(queries);
    int most = 0;
    for (int i = 0; i < queries; i++) {
      Set<Long> inRow = new HashSet<>();
      for (int c = 0; c < columns; c++) {
        int doc = cellDoc[i * columns + c];
        if (doc >= 0) {
          inRow.add(documentKeys.get(doc));
        }
      }
      int[] extra = new int[n];
      int count = 0;
      for (int doc = 0; doc < n; doc++) {
        long key = documentKeys.get(doc);
        if (!excludes(i, key) && inRow.add(key)) {
          extra[count++] = doc;
        }
      }
      extras.add(Arrays.copyOf(extra, count));
      most = Math.max(most, count);
    }
    studentColumns = columns + most;
    int[] cells = new int[queries * studentColumns];
    Arrays.fill(cells, -1);
    for (int i = 0; i < queries; i++) {
      System.arraycopy(cellDoc, i * columns, cells, i * studentColumns, columns);
      int[] extra = extras.get(i);
      System.arraycopy(extra, 0, cells, i * studentColumns + columns, extra.length);
    }
    return cells;
  }

  int addDocument(long key, int[] ids) {
    documents.add(ids);
    documentKeys.add(key);
    return documents.size() - 1;
  }

  /** Cell (i, column) is the document's fresh score plus {@code offset}. */
  void score(int i, int column, int doc, double offset) {
    int cell = i * columns + column;
    cellDoc[cell] = doc;
    cellValue[cell] = offset;
  }

  /** Cell (i, column) has logit {@code value}, its gradient coming from the document's score. */
  void absolute(int i, int column, int doc, double value) {
    int cell = i * columns + column;
    cellDoc[cell] = doc;
    cellValue[cell] = value;
    cellAbsolute[cell] = true;
  }

  /**
   * The share of queries whose positive outscores every negative document drawn for them.
   *
   * @param scores the fresh scores, {@code queries x documents} row-major
   */
  double accuracy(float[] scores) {
    int n = documents.size();
    int correct = 0;
    for (int i = 0; i < queries; i++) {
      float positive = scores[i * n + i];
      boolean best = true;
      for (int c = 1; c < columns && best; c++) {
        int doc = cellDoc[i * columns + c];
        best = doc < 0 || scores[i * n + doc] < positive;
      }
      if (best) {
        correct++;
      }
    }
    return (double) correct / queries;
  }
}
