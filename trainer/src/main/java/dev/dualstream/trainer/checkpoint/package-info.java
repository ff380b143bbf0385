/**
 * The training job's checkpointed state: its small part in Flink managed state, the model and
 * optimizer as a checksummed archive in the checkpoint directory, and finding and verifying
 * retained checkpoints for a restore.
 */
package dev.dualstream.trainer.checkpoint;
