/**
 * The Flink streaming job: read training examples from Kafka, decode and featurize them in parallel,
 * train one model in a single training operator, publish model versions and metrics.
 */
package dev.dualstream.trainer.job;
