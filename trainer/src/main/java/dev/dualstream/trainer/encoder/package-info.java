/**
 * The default dual encoder: a hashed-feature embedding bag in flat Java storage, gathered per batch
 * into DJL, mean-pooled and passed through a small ReLU MLP to an L2-normalised embedding.
 */
package dev.dualstream.trainer.encoder;
