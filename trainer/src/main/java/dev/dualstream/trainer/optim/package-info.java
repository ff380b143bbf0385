/**
 * Optimizers that update weights in place: lazy Adam or Adagrad over the rows of a sparse embedding
 * table that a batch touched (in Java), and Adam over dense DJL parameters without full-size copies.
 */
package dev.dualstream.trainer.optim;
