/**
 * JMH benchmarks of the negative cache, compiled only with the {@code jmh} Maven profile.
 * They time one sampling step (the B x M scoring and the Gumbel-max draw) against the cache size.
 */
package dev.dualstream.cache.bench;
