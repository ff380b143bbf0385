/**
 * Where a dual encoder's negatives come from (in-batch, the negative cache, skip-above from the logs,
 * uniform from known documents, the whole corpus) and how each source's logits are corrected.
 */
package dev.dualstream.trainer.negatives;
