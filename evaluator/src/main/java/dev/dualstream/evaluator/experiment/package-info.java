/**
 * Research experiments on real data, where training and evaluation meet: each trains models from one
 * fixed example stream under several settings and reports retrieval quality and cost side by side.
 */
package dev.dualstream.evaluator.experiment;
