/**
 * Research experiments run from the CLI on real data: each trains the default model from one fixed
 * example stream under several settings and reports retrieval quality and cost side by side.
 */
package dev.dualstream.deploy.experiment;
