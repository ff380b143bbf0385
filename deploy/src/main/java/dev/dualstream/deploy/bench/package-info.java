/**
 * The benchmarks behind {@code dualstream bench}: training pairs from a BEIR dataset for the bare
 * training loop, and the whole streaming path (broker, Flink job) timed on a replayed stream.
 */
package dev.dualstream.deploy.bench;
