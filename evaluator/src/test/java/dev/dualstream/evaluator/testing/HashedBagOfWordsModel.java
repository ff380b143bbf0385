package dev.dualstream.evaluator.testing;

import dev.dualstream.trainer.model.DocumentText;
import dev.dualstream.trainer.model.RetrievalModel;
import java.util.List;
import java.util.Locale;

/**
 * A fake dual encoder: lower-cased word tokens hashed into a signed bag of words, L2-normalised.
 * Deterministic, needs no training, and ranks documents sharing query words first, which is enough to
 * test search and evaluation plumbing. Counts its calls so tests can check batching.
 */
public final class HashedBagOfWordsModel implements RetrievalModel {
  private final int dimension;
  private int documentCalls;
  private int queryCalls;
  private boolean closed;

  public HashedBagOfWordsModel(int dimension) {
    this.dimension = dimension;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[][] embedQueries(List<String> queries) {
    queryCalls++;
    float[][] rows = new float[queries.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = embed(queries.get(i));
    }
    return rows;
  }

  @Override
  public float[][] embedDocuments(List<DocumentText> documents) {
    documentCalls++;
    float[][] rows = new float[documents.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = embed(documents.get(i).title() + " " + documents.get(i).text());
    }
    return rows;
  }

  public float[] embed(String text) {
    float[] vector = new float[dimension];
    for (String token : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (token.isEmpty()) {
        continue;
      }
      int hash = token.hashCode() * 0x9E3779B1;
      vector[Math.floorMod(hash, dimension)] += (hash & 0x10000) == 0 ? 1f : -1f;
    }
    double norm = 0;
    for (float v : vector) {
      norm += v * v;
    }
    if (norm > 0) {
      float scale = (float) (1 / Math.sqrt(norm));
      for (int i = 0; i < dimension; i++) {
        vector[i] *= scale;
      }
    }
    return vector;
  }

  public int documentCalls() {
    return documentCalls;
  }

  public int queryCalls() {
    return queryCalls;
  }

  public boolean closed() {
    return closed;
  }

  @Override
  public String describe() {
    return "hashed bag of words, " + dimension + " dimensions (test fake)";
  }

  @Override
  public void close() {
    closed = true;
  }
}
