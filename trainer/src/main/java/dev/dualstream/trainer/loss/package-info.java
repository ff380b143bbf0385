/**
 * Training losses for dual encoders over DJL arrays; the default is softmax cross-entropy over
 * in-batch negatives.
 */
package dev.dualstream.trainer.loss;
