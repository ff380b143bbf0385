package dev.dualstream.cache;

/**
 * A point-in-time summary of a cache, for metrics ({@code cache_size} and {@code cache_staleness} of the training
 * metrics).
 *
 * @param capacity the most entries the cache holds
 * @param size entries written so far (at most capacity)
 * @param step completed steps, i.e. calls to {@link NegativeCache#advance()}
 * @param meanAge mean age in steps of the written entries (0 when empty); an entry written during the current
 *     step has age 0
 * @param maxAge age of the oldest entry, the next to be replaced (0 when empty)
 * @param staleness mean relative squared error {@code ||e_cached - e_fresh||^2 / ||e_fresh||^2} over the refreshes
 *     of the last completed step; NaN if that step had none
 * @param stalenessSamples how many refreshes that mean covers
 * @param inserts documents inserted that were not cached (lifetime)
 * @param updates inserts of documents that were already cached, which rewrote their entry (lifetime)
 * @param evictions entries replaced because the cache was full (lifetime)
 * @param refreshes refreshed embeddings written back (lifetime)
 */
public record CacheStats(int capacity, int size, long step, double meanAge, long maxAge, double staleness,
    long stalenessSamples, long inserts, long updates, long evictions, long refreshes) {}
