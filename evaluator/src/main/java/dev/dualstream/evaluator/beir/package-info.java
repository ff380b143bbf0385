/**
 * Reads retrieval benchmarks in BEIR layout (corpus, queries, qrels per split) into immutable values.
 * Plain and gzipped files are accepted; malformed input fails with the file and line named.
 */
package dev.dualstream.evaluator.beir;
