/**
 * Speed measurement of the trainer, apart from its correctness tests: a timed loop over in-memory
 * batches of the benchmark model, and the batches exported as NumPy files for a peer to read.
 */
package dev.dualstream.trainer.bench;
