/** Evaluation that follows a running trainer: every committed model version scored as it appears. */
package dev.dualstream.evaluator.follow;
