/**
 * Retrieval over a whole corpus: the {@link dev.dualstream.evaluator.search.Retriever} contract and
 * exact top-k search of a dual encoder's embeddings by blocked matrix products.
 */
package dev.dualstream.evaluator.search;
