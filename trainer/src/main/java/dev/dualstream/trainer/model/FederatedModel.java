package dev.dualstream.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.encoder.ComputeThreads;
import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.encoder.RowBatch;
import dev.dualstream.trainer.encoder.TowerInput;
import dev.dualstream.trainer.federated.FederatedServer;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.trainer.loss.InBatchSoftmax;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The global dual encoder of a federated run, and its clients' local training on it.
 *
 * <p>A client trains from the current global model with plain SGD (ClientOpt in FedOpt), in-batch
 * softmax cross-entropy, on its own batches, and hands back what it changed ({@link
 * FederatedServer.ClientUpdate}): the delta of each table row it touched and of every dense
 * parameter. Clients run one after another on the global model itself: the first time a step
 * touches a row, the row's global value is kept aside (the client's overlay is the set of rows it
 * touched, never a copy of the table), the dense parameters are kept aside at the start, and when
 * the client is done every kept value is put back, so the next client starts from the same global
 * model. {@link #apply} then lets the server move the global model by the round's updates.
 *
 * <p>Sequential clients, not parallel ones: DJL allows one gradient collector per JVM at a time, so
 * clients in one process would take turns anyway, and the overlay costs a client only the rows it
 * touches. Not thread-safe.
 */
public final class FederatedModel implements AutoCloseable {
  private final ModelConfig config;
  private final long seed;
  private final DualEncoderNetwork network;
  private final Featurizer featurizer;

  private FederatedModel(ModelConfig config, long seed, DualEncoderNetwork network) {
    this.config = config;
    this.seed = seed;
    this.network = network;
    this.featurizer = new Featurizer(config.featureSpec());
  }

  /** The global model at its seeded initial weights, the same a trainer of this config and seed starts from. */
  public static FederatedModel create(ModelConfig config, long seed) {
    DjlOffline.ensure();
    Objects.requireNonNull(config, "config");
    ComputeThreads.apply(config.threads(), config.nativeThreads());
    return new FederatedModel(config, seed, ModelStore.initialNetwork(config, seed, true));
  }

  /**
   * One client's local training: a step of SGD at {@code learningRate} per batch, from the current
   * global model, which is left as it was.
   *
   * @throws IllegalArgumentException if there is no batch, a batch is empty, or an id is outside the table
   */
  public FederatedServer.ClientUpdate train(List<List<TrainingPair>> batches, double learningRate) {
    if (batches.isEmpty() || !(learningRate > 0)) {
      throw new IllegalArgumentException("a client needs at least one batch and a positive learning rate, got "
          + batches.size() + " batches at " + learningRate);
    }
    int dim = network.table().dim();
    float[] weights = network.table().weights();
    List<NDArray> parameters = network.tower().parameters();
    List<float[]> denseBefore = network.tower().values();
    Map<Integer, float[]> rowsBefore = new ConcurrentHashMap<>();
    long examples = 0;
    double lossSum = 0;
    try {
      for (List<TrainingPair> batch : batches) {
        lossSum += step(batch, (float) learningRate, rowsBefore);
        examples += batch.size();
      }
      int[] rows = rowsBefore.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
      float[] rowDeltas = new float[rows.length * dim];
      for (int r = 0; r < rows.length; r++) {
        float[] before = rowsBefore.get(rows[r]);
        for (int k = 0; k < dim; k++) {
          rowDeltas[r * dim + k] = weights[rows[r] * dim + k] - before[k];
        }
      }
      List<float[]> denseAfter = network.tower().values();
      List<float[]> denseDeltas = new ArrayList<>(denseAfter.size());
      for (int p = 0; p < denseAfter.size(); p++) {
        float[] delta = denseAfter.get(p);
        float[] before = denseBefore.get(p);
        for (int j = 0; j < delta.length; j++) {
          delta[j] -= before[j];
        }
        denseDeltas.add(delta);
      }
      return new FederatedServer.ClientUpdate(examples, rows, rowDeltas, denseDeltas, lossSum / batches.size());
    } finally {
      rowsBefore.forEach((row, before) -> System.arraycopy(before, 0, weights, row * dim, dim));
      setDense(parameters, denseBefore);
    }
  }

  /**
   * Ends a round: the server moves the global table's touched rows and the dense parameters by the
   * clients' updates it received ({@link FederatedServer#finishRound}).
   *
   * @return the rows moved
   */
  public int apply(FederatedServer server) {
    List<float[]> dense = network.tower().values();
    int moved = server.finishRound(network.table().weights(), dense);
    setDense(network.tower().parameters(), dense);
    return moved;
  }

  /** A view of the global weights as a retrieval model; do not train while using it. */
  public RetrievalModel asRetrievalModel() {
    return new DualEncoderModel(network, featurizer, config.inferenceBatchSize(),
        () -> "model " + config.modelName() + " (" + config.encoderName() + "), federated, seed " + seed, false);
  }

  /**
   * Writes the global model as a version that {@link ModelStore#load} reads, not forced to disk (an
   * experiment's versions are scored and dropped); the manifest's step is the round.
   *
   * @param provenance facts to record, such as the server optimizer and the seed
   */
  public void save(Path dir, int round, long examplesSeen, Map<String, String> provenance) {
    ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT, ModelManifest.FORMAT_VERSION, config.modelName(),
        config.encoderName(), network.dimension(), round, examplesSeen, seed, ModelStore.configHash(config), config,
        featurizer.spec(), provenance,
        Map.of("embeddings", ModelManifest.EMBEDDINGS_FILE, "dense", ModelManifest.DENSE_FILE));
    ModelStore.save(dir, network, manifest, ArrayFile.Durability.SCRATCH);
  }

  public ModelConfig config() {
    return config;
  }

  /** A copy of the global table's weights, for tests. */
  float[] tableWeights() {
    return network.table().weights().clone();
  }

  /** Copies of the global dense parameters, for tests. */
  List<float[]> denseValues() {
    return network.tower().values();
  }

  @Override
  public void close() {
    network.close();
  }

  /** One SGD step of a client on the global model; returns its loss before the step. */
  private double step(List<TrainingPair> batch, float learningRate, Map<Integer, float[]> rowsBefore) {
    int size = batch.size();
    if (size == 0) {
      throw new IllegalArgumentException("a client's batch needs at least one pair");
    }
    List<int[]> sequences = new ArrayList<>(2 * size);
    batch.forEach(p -> sequences.add(checked(p.queryView())));
    batch.forEach(p -> sequences.add(checked(p.docView())));
    int dim = network.table().dim();
    float[] weights = network.table().weights();
    try (NDManager scope = network.newStepManager()) {
      TowerInput input = network.input(scope, RowBatch.of(sequences), 0, 2 * size);
      input.leaf().setRequiresGradient(true);
      double loss;
      synchronized (DualEncoderTrainer.COLLECTOR_LOCK) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray embedded = network.encode(input, true);
          NDArray lossArray = InBatchSoftmax.compute(embedded.get(new NDIndex("0:{}", size)),
              embedded.get(new NDIndex("{}:", size)), (float) config.scale()).loss();
          loss = lossArray.getFloat();
          collector.backward(lossArray);
        }
      }
      NDArray leafGradient = input.leaf().getGradient();
      leafGradient.attach(scope);
      network.backward(input, leafGradient.toFloatArray(), (row, grads, offset) -> {
        rowsBefore.computeIfAbsent(row, r -> Arrays.copyOfRange(weights, r * dim, (r + 1) * dim));
        for (int k = 0; k < dim; k++) {
          weights[row * dim + k] -= learningRate * grads[offset + k];
        }
      });
      for (NDArray parameter : network.tower().parameters()) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scope);
        NDArray view = parameter.stopGradient();
        view.attach(scope);
        view.subi(gradient.mul(learningRate));
        // Gradients accumulate across backward passes in DJL's PyTorch engine.
        gradient.subi(gradient);
      }
      return loss;
    }
  }

  /**
   * Writes values into the parameters' own storage, through detached views and in-place arithmetic
   * (setting a view's data would give the view new storage and leave the parameter as it was).
   */
  private void setDense(List<NDArray> parameters, List<float[]> values) {
    try (NDManager scratch = network.newStepManager()) {
      for (int p = 0; p < parameters.size(); p++) {
        NDArray parameter = parameters.get(p);
        NDArray view = parameter.stopGradient();
        view.attach(scratch);
        view.muli(0).addi(scratch.create(values.get(p), parameter.getShape()));
      }
    }
  }

  private int[] checked(int[] ids) {
    for (int id : ids) {
      if (id < 0 || id > config.buckets()) {
        throw new IllegalArgumentException("feature id " + id + " is outside 0.." + config.buckets());
      }
    }
    return ids;
  }
}
