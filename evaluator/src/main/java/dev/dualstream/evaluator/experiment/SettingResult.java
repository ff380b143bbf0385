package dev.dualstream.evaluator.experiment;

/**
 * How one setting did.
 *
 * @param name the setting's name
 * @param negatives its sources, as {@code NegativeConfig.label()} names them
 * @param cacheSize the cache's capacity, or null without a cache
 * @param recallAt10 test-split Recall@10 over the whole corpus
 * @param mrrAt10 test-split MRR@10
 * @param hybridRecallAt10 test-split Recall@10 of the model fused with BM25 (NaN when not asked for)
 * @param hybridMrrAt10 test-split MRR@10 of the same (NaN when not asked for)
 * @param seconds wall time of the training loop (every step, including drawing negatives, cache
 *     upkeep and corpus re-encoding; not featurization or evaluation)
 * @param msPerStep {@code seconds} per step, in milliseconds
 * @param cpuMsPerStep CPU time of the training thread per step, in milliseconds: less sensitive than
 *     wall time to other processes on a shared machine (the model runs with one intra-op thread,
 *     on the calling thread)
 * @param steps optimizer steps
 * @param forwardMs mean time per step drawing negatives, gathering, encoding and scoring
 * @param backwardMs mean time per step in backpropagation
 * @param optimizerMs mean time per step in the optimizers and the cache's write-back
 * @param meanLoss mean training loss over the last tenth of the steps (for the cache, the paper's
 *     interpretable loss {@code -log p_pos})
 * @param cacheFill entries in the cache at the end (0 without a cache)
 * @param stalenessMean mean cache staleness over the steps that measured it (NaN without a cache)
 * @param stalenessMax largest per-step cache staleness (NaN without a cache)
 * @param samplingMsAtCapacity CPU milliseconds to draw a batch's negatives from a full cache of this
 *     capacity, measured apart from training (NaN without a cache)
 */
public record SettingResult(String name, String negatives, Integer cacheSize, double recallAt10, double mrrAt10,
    double hybridRecallAt10, double hybridMrrAt10, double seconds, double msPerStep, double cpuMsPerStep, long steps, double forwardMs, double backwardMs, double optimizerMs,
    double meanLoss, int cacheFill, double stalenessMean, double stalenessMax, double samplingMsAtCapacity) {}
