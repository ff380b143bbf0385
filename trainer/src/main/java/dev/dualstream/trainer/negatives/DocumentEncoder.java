package dev.dualstream.trainer.negatives;

import java.util.List;

/** The current document tower, without gradients: feature id sequences to unit embeddings. */
@FunctionalInterface
public interface DocumentEncoder {

  /** One embedding per document, in order, each of the model's output dimension. */
  float[][] embed(List<int[]> documents);
}
