/**
 * Text to hashed feature ids: word unigrams, word bigrams and boundary-marked character trigrams,
 * hashed with a fixed function into a fixed number of buckets recorded in a {@link FeatureSpec}.
 */
package dev.dualstream.trainer.feature;
