package dev.dualstream.trainer.model;

import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.feature.Featurizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The default dual encoder behind {@link RetrievalModel}: featurize, then embed with the shared
 * tower in batches, without gradients.
 */
final class DualEncoderModel implements RetrievalModel {

  private final DualEncoderNetwork network;
  private final Featurizer featurizer;
  private final int batchSize;
  private final Supplier<String> description;
  private final boolean ownsNetwork;

  /**
   * @param ownsNetwork whether {@link #close()} frees the network; a view over a live trainer's
   *     weights does not
   */
  DualEncoderModel(
      DualEncoderNetwork network,
      Featurizer featurizer,
      int batchSize,
      Supplier<String> description,
      boolean ownsNetwork) {
    this.network = network;
    this.featurizer = featurizer;
    this.batchSize = batchSize;
    this.description = description;
    this.ownsNetwork = ownsNetwork;
  }

  @Override
  public int dimension() {
    return network.dimension();
  }

  @Override
  public float[][] embedQueries(List<String> queries) {
    List<int[]> ids = new ArrayList<>(queries.size());
    for (String query : queries) {
      ids.add(featurizer.query(query));
    }
    return network.embed(ids, batchSize);
  }

  @Override
  public float[][] embedDocuments(List<DocumentText> documents) {
    List<int[]> ids = new ArrayList<>(documents.size());
    for (DocumentText doc : documents) {
      ids.add(featurizer.document(doc.title(), doc.text()));
    }
    return network.embed(ids, batchSize);
  }

  @Override
  public String describe() {
    return description.get();
  }

  @Override
  public void close() {
    if (ownsNetwork) {
      network.close();
    }
  }
}
