/**
 * Training losses for dual encoders: softmax cross-entropy over in-batch negatives, and the loss
 * family over any candidate set (cross-entropy or PHuber, label bias) as stop-gradient weights.
 */
package dev.dualstream.trainer.loss;
