/**
 * The BM25 baseline on Lucene: an in-memory index of a corpus, bag-of-words queries built from the
 * analyzer's tokens. It is also the simulator's logging ranker.
 */
package dev.dualstream.evaluator.bm25;
