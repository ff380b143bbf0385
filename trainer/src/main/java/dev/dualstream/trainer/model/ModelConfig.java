package dev.dualstream.trainer.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualstream.trainer.feature.FeatureSpec;
import dev.dualstream.trainer.loss.LossConfig;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.optim.AdagradSettings;
import dev.dualstream.trainer.optim.AdamSettings;
import dev.dualstream.trainer.optim.TableOptimizer;
import ai.djl.ndarray.types.Shape;
import dev.dualstream.trainer.encoder.TransformerSpec;
import dev.dualstream.trainer.encoder.TransformerTower;
import java.io.Serializable;
import java.util.Objects;

/**
 * Every knob of the default dual encoder and its training. Immutable; {@link #defaults()} holds the
 * documented defaults and {@link #toBuilder()} changes a few of them.
 *
 * @param modelName name of the model in the store and on {@code models.versions}
 * @param buckets hash buckets of the feature space (ids {@code 1..buckets})
 * @param embeddingDim width of the embedding table
 * @param hiddenDim width of the MLP's hidden layer
 * @param outputDim length of the final, unit-length embedding
 * @param maxQueryIds most feature ids per query
 * @param maxDocIds most feature ids per document
 * @param scale multiplier of the cosine in the softmax (inverse temperature)
 * @param learningRate Adam step size of the dense layers
 * @param embeddingLearningRate step size of the embedding table rows, for the table optimizer
 * @param beta1 Adam first-moment decay
 * @param beta2 Adam second-moment decay
 * @param epsilon Adam epsilon, and Adagrad's when the table uses it
 * @param tableOptimizer the lazy optimizer of the embedding table rows (see {@link
 *     TableOptimizer.Kind}): ADAGRAD (default) or ADAM; absent from older manifests, which were all
 *     trained with ADAM and read as ADAM
 * @param adagradInitialAccumulator the value each of Adagrad's accumulated squared gradients starts
 *     from (PyTorch's {@code initial_accumulator_value}; default 0); used only with ADAGRAD
 * @param embeddingInitScale table rows start uniform in {@code [-s, s]}
 * @param batchSize training pairs per optimizer step (the caller batches; recorded for provenance)
 * @param inferenceBatchSize texts per forward pass when embedding
 * @param threads compute threads of a step (process-wide): Java threads for the embedding bags and
 *     the sparse update, while the native engine runs the small dense tower on one intra-op thread
 *     (see {@code ComputeThreads}), a Transformer on {@code threads}; 0 uses one Java thread per
 *     core and the engine's default
 * @param negatives where each query's negatives come from and how their logits are corrected
 *     (default: in-batch, uncorrected); absent from older manifests, which read as the default
 * @param loss the loss over each query's candidates (default: softmax cross-entropy)
 * @param transformer the tower: null for the default embedding bag and MLP, else a Transformer of
 *     this shape over the ids in order (model width = embeddingDim, feed-forward width = hiddenDim,
 *     positions = the larger of maxQueryIds and maxDocIds)
 */
public record ModelConfig(
    String modelName,
    int buckets,
    int embeddingDim,
    int hiddenDim,
    int outputDim,
    int maxQueryIds,
    int maxDocIds,
    double scale,
    double learningRate,
    double embeddingLearningRate,
    double beta1,
    double beta2,
    double epsilon,
    TableOptimizer.Kind tableOptimizer,
    double adagradInitialAccumulator,
    double embeddingInitScale,
    int batchSize,
    int inferenceBatchSize,
    int threads,
    NegativeConfig negatives,
    LossConfig loss,
    TransformerSpec transformer)
    implements Serializable {

  /** The name of the default model in the store and on {@code models.versions}. */
  public static final String DEFAULT_MODEL_NAME = "dual-encoder";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public ModelConfig {
    Objects.requireNonNull(modelName, "modelName");
    if (modelName.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    positive("buckets", buckets);
    positive("embeddingDim", embeddingDim);
    positive("hiddenDim", hiddenDim);
    positive("outputDim", outputDim);
    positive("maxQueryIds", maxQueryIds);
    positive("maxDocIds", maxDocIds);
    positive("batchSize", batchSize);
    positive("inferenceBatchSize", inferenceBatchSize);
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be positive, got " + scale);
    }
    if (!(embeddingInitScale >= 0) || Double.isInfinite(embeddingInitScale)) {
      throw new IllegalArgumentException(
          "embeddingInitScale must be non-negative, got " + embeddingInitScale);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be 0 (default) or more, got " + threads);
    }
    tableOptimizer = tableOptimizer == null ? TableOptimizer.Kind.ADAM : tableOptimizer;
    negatives = negatives == null ? NegativeConfig.defaults() : negatives;
    loss = loss == null ? LossConfig.defaults() : loss;
    negatives.validated();
    if (transformer != null) {
      TransformerTower.checkShape(embeddingDim, hiddenDim, outputDim,
          Math.max(maxQueryIds, maxDocIds), transformer);
    }
    // Constructing the settings validates the optimizer knobs with their own messages.
    new AdamSettings(learningRate, beta1, beta2, epsilon);
    new AdamSettings(embeddingLearningRate, beta1, beta2, epsilon);
    new AdagradSettings(embeddingLearningRate, adagradInitialAccumulator, epsilon);
  }

  /**
   * The documented defaults. Three were set by measurement on debian-pkgdesc: table rows start
   * small ({@code embeddingInitScale} 0.02; 0.1 gave lower test recall, because rows of ids never
   * trained keep adding noise); the table trains with lazy Adagrad at 0.1 while the dense layers
   * use Adam at 1e-3 (in the negatives experiment, Adagrad lifted test Recall@10 by 4 to 5 points
   * over Adam at 1e-3 under every choice of negatives, and its shrinking steps for frequent ids
   * keep cached document embeddings fresher); and one intra-op thread, because the step's small
   * matrices gain nothing from more and on a shared 2-core machine two threads ran ten times
   * slower.
   */
  public static ModelConfig defaults() {
    return new ModelConfig(
        DEFAULT_MODEL_NAME, FeatureSpec.DEFAULT_BUCKETS, 64, 256, 128, 64, 128, 20.0, 1e-3,
        TableOptimizer.Kind.ADAGRAD.defaultLearningRate(), 0.9,
        0.999, 1e-8, TableOptimizer.Kind.ADAGRAD, 0.0, 0.02, 128, 512, 1, NegativeConfig.defaults(),
        LossConfig.defaults(), null);
  }

  /** The feature spec this configuration implies (all kinds, murmur3_32, default seed). */
  public FeatureSpec featureSpec() {
    return FeatureSpec.withBuckets(buckets, maxQueryIds, maxDocIds);
  }

  /**
   * Whether training is plain in-batch softmax cross-entropy (the trainer's fast path), rather than
   * the general objective over {@link #negatives()} with {@link #loss()}.
   */
  public boolean inBatchSoftmax() {
    return negatives.inBatchOnly() && loss.kind() == LossConfig.Kind.SOFTMAX && loss.labelBiasTau() == 0
        && !loss.weighted();
  }

  /**
   * Trained parameters: the table's rows ({@code buckets} of them; the padding row never trains) and
   * the tower's, the bag's two layers with their biases or the Transformer's.
   */
  public long parameters() {
    long table = (long) buckets * embeddingDim;
    if (transformer != null) {
      return table + TransformerTower.shapes(embeddingDim, hiddenDim, outputDim, positions(),
          transformer.layers()).stream().mapToLong(Shape::size).sum();
    }
    return table + (long) embeddingDim * hiddenDim + hiddenDim + (long) hiddenDim * outputDim
        + outputDim;
  }

  /**
   * The encoder's name in a model manifest: {@value ModelManifest#ENCODER} for the default bag,
   * {@value ModelManifest#TRANSFORMER_ENCODER} with {@link #transformer()}.
   */
  public String encoderName() {
    return transformer == null ? ModelManifest.ENCODER : ModelManifest.TRANSFORMER_ENCODER;
  }

  /**
   * Intra-op threads of the native engine: one for the bag, whose small tower loses more to
   * fork-join barriers than it gains (see {@code ComputeThreads}); {@link #threads()} for the
   * Transformer, whose tower is most of a step.
   */
  public int nativeThreads() {
    return transformer == null ? 1 : Math.max(1, threads);
  }

  /** The Transformer's positions: the longest id sequence, query or document, it reads. */
  public int positions() {
    return Math.max(maxQueryIds, maxDocIds);
  }

  /** Adam settings of the dense layers. */
  public AdamSettings denseAdam() {
    return new AdamSettings(learningRate, beta1, beta2, epsilon);
  }

  /** Adam settings of the embedding table, when {@link #tableOptimizer()} is ADAM. */
  public AdamSettings tableAdam() {
    return new AdamSettings(embeddingLearningRate, beta1, beta2, epsilon);
  }

  /** Adagrad settings of the embedding table, when {@link #tableOptimizer()} is ADAGRAD. */
  public AdagradSettings tableAdagrad() {
    return new AdagradSettings(embeddingLearningRate, adagradInitialAccumulator, epsilon);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** This configuration as a JSON object, as it appears in a model manifest. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write model config as JSON", e);
    }
  }

  /**
   * Reads a configuration written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the text is not a valid configuration, with the reason
   */
  public static ModelConfig fromJson(String json) {
    try {
      ModelConfig config = JSON.readValue(json, ModelConfig.class);
      if (config == null) {
        throw new IllegalArgumentException("model config JSON is empty");
      }
      return config;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a valid model config: " + e.getOriginalMessage(), e);
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }

  /** Changes some fields of a configuration; {@link #build()} validates. */
  public static final class Builder {
    private String modelName;
    private int buckets;
    private int embeddingDim;
    private int hiddenDim;
    private int outputDim;
    private int maxQueryIds;
    private int maxDocIds;
    private double scale;
    private double learningRate;
    private double embeddingLearningRate;
    private double beta1;
    private double beta2;
    private double epsilon;
    private TableOptimizer.Kind tableOptimizer;
    private double adagradInitialAccumulator;
    private double embeddingInitScale;
    private int batchSize;
    private int inferenceBatchSize;
    private int threads;
    private NegativeConfig negatives;
    private LossConfig loss;
    private TransformerSpec transformer;

    private Builder(ModelConfig c) {
      modelName = c.modelName;
      buckets = c.buckets;
      embeddingDim = c.embeddingDim;
      hiddenDim = c.hiddenDim;
      outputDim = c.outputDim;
      maxQueryIds = c.maxQueryIds;
      maxDocIds = c.maxDocIds;
      scale = c.scale;
      learningRate = c.learningRate;
      embeddingLearningRate = c.embeddingLearningRate;
      beta1 = c.beta1;
      beta2 = c.beta2;
      epsilon = c.epsilon;
      tableOptimizer = c.tableOptimizer;
      adagradInitialAccumulator = c.adagradInitialAccumulator;
      embeddingInitScale = c.embeddingInitScale;
      batchSize = c.batchSize;
      inferenceBatchSize = c.inferenceBatchSize;
      threads = c.threads;
      negatives = c.negatives;
      loss = c.loss;
      transformer = c.transformer;
    }

    public Builder modelName(String v) {
      modelName = v;
      return this;
    }

    public Builder buckets(int v) {
      buckets = v;
      return this;
    }

    /** Sets the embedding, hidden and output widths. */
    public Builder dims(int embedding, int hidden, int output) {
      embeddingDim = embedding;
      hiddenDim = hidden;
      outputDim = output;
      return this;
    }

    public Builder maxIds(int query, int doc) {
      maxQueryIds = query;
      maxDocIds = doc;
      return this;
    }

    public Builder scale(double v) {
      scale = v;
      return this;
    }

    /** Sets the learning rate of the dense layers and of the embedding table alike. */
    public Builder learningRate(double v) {
      learningRate = v;
      embeddingLearningRate = v;
      return this;
    }

    public Builder embeddingLearningRate(double v) {
      embeddingLearningRate = v;
      return this;
    }

    public Builder adam(double b1, double b2, double eps) {
      beta1 = b1;
      beta2 = b2;
      epsilon = eps;
      return this;
    }

    /** The lazy optimizer of the table rows; its step size is the embedding learning rate. */
    public Builder tableOptimizer(TableOptimizer.Kind v) {
      tableOptimizer = v;
      return this;
    }

    /** The table optimizer with its own default learning rate ({@link TableOptimizer.Kind#defaultLearningRate}). */
    public Builder tableOptimizerWithItsLearningRate(TableOptimizer.Kind v) {
      tableOptimizer = v;
      embeddingLearningRate = v.defaultLearningRate();
      return this;
    }

    public Builder adagradInitialAccumulator(double v) {
      adagradInitialAccumulator = v;
      return this;
    }

    public Builder embeddingInitScale(double v) {
      embeddingInitScale = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder inferenceBatchSize(int v) {
      inferenceBatchSize = v;
      return this;
    }

    public Builder threads(int v) {
      threads = v;
      return this;
    }

    /** Where negatives come from (see {@link NegativeConfig}). */
    public Builder negatives(NegativeConfig v) {
      negatives = v;
      return this;
    }

    /** The loss over each query's candidates (see {@link LossConfig}). */
    public Builder loss(LossConfig v) {
      loss = v;
      return this;
    }

    /**
     * The tower: a Transformer of this shape over the ids in order (its model width is the embedding
     * width, its feed-forward width the hidden width), or null for the default bag and MLP.
     */
    public Builder transformer(TransformerSpec v) {
      transformer = v;
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(modelName, buckets, embeddingDim, hiddenDim, outputDim, maxQueryIds,
          maxDocIds, scale, learningRate, embeddingLearningRate, beta1, beta2, epsilon,
          tableOptimizer, adagradInitialAccumulator, embeddingInitScale, batchSize,
          inferenceBatchSize, threads, negatives, loss, transformer);
    }
  }
}
