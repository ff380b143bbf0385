/**
 * Speed measurement of the trainer, apart from its correctness tests: a timed loop over in-memory
 * batches of the benchmark model, the batches exported as NumPy files for a peer to read, and the
 * cost of sampling a full negative cache.
 */
package dev.dualstream.trainer.bench;
