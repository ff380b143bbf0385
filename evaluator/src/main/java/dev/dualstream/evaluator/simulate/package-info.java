/**
 * The click simulator: users issue benchmark queries, BM25 shows ten results, a position-based click
 * model decides the clicks, and documents, impressions and clicks go to their topics.
 */
package dev.dualstream.evaluator.simulate;
