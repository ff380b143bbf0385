/**
 * Federated training as a bounded Flink job in batch execution mode ({@link
 * dev.dualstream.trainer.federated.flink.FederatedJob}): clicks grouped by client in parallel tasks,
 * the rounds in one. Its public surface carries no Flink types, so experiment drivers run it without
 * knowing Flink.
 */
package dev.dualstream.trainer.federated.flink;
