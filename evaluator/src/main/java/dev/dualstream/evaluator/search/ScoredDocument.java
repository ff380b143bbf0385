package dev.dualstream.evaluator.search;

import java.util.Objects;

/** A retrieved document id with the retriever's score (higher is better). */
public record ScoredDocument(String id, float score) {
  public ScoredDocument {
    Objects.requireNonNull(id, "id");
  }
}
