/**
 * Federated optimization (Reddi et al., ICLR 2021, paper 5): the server optimizers that merge
 * clients' model deltas (FedAvg, FedAvgM, FedAdagrad, FedAdam, FedYogi), for dense parameters and
 * for the rows of a sparse embedding table that some client touched.
 */
package dev.dualstream.trainer.federated;
