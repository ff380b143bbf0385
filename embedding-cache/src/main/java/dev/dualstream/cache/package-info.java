/**
 * The negative cache: a capacity-bounded store of documents with stale embeddings, from which a dual-encoder
 * trainer draws one hard negative per query by Gumbel-max sampling over stale scores.
 *
 * <h2>The method</h2>
 * Lindgren, Reddi, Guo, Kumar, "Efficient Training of Retrieval Models using Negative Cache", NeurIPS 2021
 * (Algorithm 1, "Cached Gumbel-Max Gradient Descent"; reference code google-research/negative_cache). Full softmax
 * cross-entropy over a corpus has gradient {@code E_{d ~ softmax(s(q, .))}[grad s(q, d)] - grad s(q, d+)}. The cache
 * keeps M documents with their raw features {@code x_j} and embeddings {@code e_j} computed by an older document
 * tower. Per training step and query {@code q_i} with positive {@code d+_i}:
 * <ol>
 *   <li>score the query against every cached embedding, {@code s_ij = scale * <q_i, e_j>} (one B x M product);
 *   <li>draw {@code j* = argmax_j (s_ij + g_ij)}, {@code g_ij} i.i.d. standard Gumbel: a draw from
 *       {@code softmax_j(s_ij)}; optionally only among an approximate top-k (the maximum of each of k equal groups
 *       of slots), as the reference code's {@code top_k} option does;
 *   <li>re-encode the negative from its cached features with the current tower, {@code s_neg}, with gradient;
 *   <li>weight {@code p_pos = softmax([s_pos, s_i1..s_iM])[0]} (stop-gradient) and minimise
 *       {@code (1 - p_pos)(s_neg - s_pos)}; its expected gradient is the cross-entropy gradient over the positive
 *       and the cache when the cached embeddings are fresh;
 *   <li>write the negative's fresh embedding back (refresh), insert the batch positives in place of the oldest
 *       entries, and age everything by one step.
 * </ol>
 * Staleness, {@code ||e_cached - e_fresh||^2 / ||e_fresh||^2} of the refreshed entries, is the health metric: if it
 * grows, lower the learning rate, refresh more (see {@link dev.dualstream.cache.NegativeCache#oldest(int)}) or shrink
 * the cache.
 *
 * <h2>Choices made here</h2>
 * <ul>
 *   <li>Never-written slots are not scored (the reference code scores its zero-initialised slots as 0 during
 *       warm-up); a query's own positive is never its negative and is left out of {@code p_pos} too, and so is
 *       any other document the caller excludes for that query ({@link
 *       dev.dualstream.cache.NegativeCache#sample(float[], long[][])}: for example the documents its users
 *       clicked before, which with noisy clicks are otherwise its hardest and most wrong negatives).
 *   <li>Each document is cached once: inserting a cached key rewrites its entry (the reference code offers a
 *       filter for this).
 *   <li>Exact mode draws the Gumbel-max in two levels (groups of 256 slots, then a slot in the group), which is
 *       the same distribution as a flat Gumbel-max at a fraction of the random numbers; see the sampler's notes.
 *   <li>Replacement takes the entry written longest ago; a refresh or an update counts as a write, and among
 *       entries of the same step the first written goes first.
 * </ul>
 *
 * <h2>A training step</h2>
 * <pre>{@code
 * NegativeCache cache = NegativeCache.builder()
 *     .capacity(131_072).dim(128).maxFeatures(64).topK(64).scale(20f).seed(7L).build();
 *
 * float[] queries = ...;                   // B x dim, row-major, from the query tower
 * long[] positives = ...;                  // the key of each query's positive document
 * Sample sample = cache.sample(queries, positives);
 * for (int i = 0; i < sample.size(); i++) {
 *   double pPos = sample.positiveProbability(i, sPos[i]);   // sPos = scale * <q_i, d+_i>, fresh
 *   if (sample.hasNegative(i)) {
 *     float[] fresh = documentTower.encode(sample.features(i));  // with gradient: s_neg
 *     // loss_i = (1 - pPos) * (s_neg - sPos[i]);  logQ correction: sample.logProbability(i)
 *     cache.refresh(sample.docKey(i), fresh, modelVersion);
 *   }
 * }
 * for (int i = 0; i < batch; i++) {
 *   cache.insert(positives[i], positiveFeatures[i], positiveEmbeddings[i], modelVersion);
 * }
 * for (CacheEntry old : cache.oldest(r)) {                  // optional: refresh the r oldest per step
 *   cache.refresh(old.docKey(), documentTower.encode(old.features()), modelVersion);
 * }
 * cache.advance();
 * metrics.report(cache.stats());
 * byte[] state = cache.snapshot();                          // at a checkpoint; NegativeCache.restore(state)
 * }</pre>
 *
 * <h2>Keys, memory, cost</h2>
 * Documents are identified by a caller-chosen {@code long} key (a dictionary index or a 64-bit hash of the id).
 * Storage is flat primitive arrays allocated once: about {@code M x (4 dim + 4 maxFeatures + 47)} bytes
 * ({@link dev.dualstream.cache.MemoryPlan} gives the exact figure before building); M = 1,000,000 at dim 128 with 64
 * features is 815 MB. A sampling step costs {@code B x size x dim} multiply-adds plus one {@code exp} per query
 * and entry in exact mode, on the calling thread. A cache is not thread-safe.
 */
package dev.dualstream.cache;
