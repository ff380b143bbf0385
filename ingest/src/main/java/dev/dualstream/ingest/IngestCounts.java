package dev.dualstream.ingest;

/**
 * A snapshot of what a running ingest instance has done since it started. Counts include work repeated
 * after an aborted exactly-once transaction, so use them for progress and monitoring, not for exact
 * accounting; the output topics (read committed) are the truth.
 *
 * @param inputRecords records read from the impression, click and document topics
 * @param examples training examples emitted
 * @param deadLetters dead letters emitted
 * @param duplicates repeated clicks dropped by deduplication
 * @param documentsApplied document updates and deletions applied to the document store
 * @param staleDocuments document updates ignored because the store held a higher version
 */
public record IngestCounts(long inputRecords, long examples, long deadLetters, long duplicates,
    long documentsApplied, long staleDocuments) {}
