/**
 * The benchmarks behind {@code dualstream bench}: training pairs from a BEIR dataset for the bare
 * training loop, the whole streaming path (broker, Flink job) timed on a replayed stream, and the
 * ingest stage timed beside a raw transactional copy of its input.
 */
package dev.dualstream.deploy.bench;
