/**
 * Ranking quality metrics (Recall@k, MRR@10, nDCG@10) of ranked lists against qrels, per query and
 * averaged over a split.
 */
package dev.dualstream.evaluator.metrics;
