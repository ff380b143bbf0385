package dev.dualstream.trainer.model;

import java.util.List;

/**
 * What a teacher's step leaves for its students: the batch's queries, the documents it scored (the
 * positives first, in example order, then every negative it drew: in-batch, skip-above, uniform,
 * from the cache or the corpus) and, per query, its candidate list with the teacher's fresh scores.
 * A student scores the same candidates with its own towers and learns from the teacher's scores
 * ({@link DualEncoderTrainer#distill}).
 *
 * @param queries feature ids of each query, in the teacher's feature space
 * @param documents feature ids of each scored document, in the teacher's feature space
 * @param columns candidates per query; column 0 is the query's clicked document
 * @param cells row-major {@code queries x columns}: the index in {@code documents} of each
 *     candidate, -1 where the teacher had none (a masked or undrawn negative)
 * @param teacherScores row-major like {@code cells}: the teacher's score ({@code scale x cosine})
 *     of each candidate, without sampling corrections; {@code -infinity} where absent
 * @param teacherStep the teacher's step that produced them
 * @param teacherBuckets the size of the teacher's feature space, ids being {@code 1..teacherBuckets}
 */
public record Candidates(
    List<int[]> queries,
    List<int[]> documents,
    int columns,
    int[] cells,
    double[] teacherScores,
    long teacherStep,
    int teacherBuckets) {

  public Candidates {
    queries = List.copyOf(queries);
    documents = List.copyOf(documents);
    if (columns < 1 || cells.length != queries.size() * columns || teacherScores.length != cells.length) {
      throw new IllegalArgumentException(queries.size() + " queries x " + columns + " columns need as many cells and"
          + " scores, got " + cells.length + " and " + teacherScores.length);
    }
  }

  /** The number of queries. */
  public int size() {
    return queries.size();
  }
}
