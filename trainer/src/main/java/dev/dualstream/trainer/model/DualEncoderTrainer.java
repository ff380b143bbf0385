package dev.dualstream.trainer.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.encoder.BagPooling;
import dev.dualstream.trainer.encoder.ComputeThreads;
import dev.dualstream.trainer.optim.TableDelta;
import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.encoder.EmbeddingTable;
import dev.dualstream.trainer.encoder.Tower;
import dev.dualstream.trainer.encoder.TransformerTower;
import dev.dualstream.trainer.encoder.RowBatch;
import dev.dualstream.trainer.encoder.TowerInput;
import dev.dualstream.trainer.feature.Featurizer;
import dev.dualstream.cache.CacheStats;
import dev.dualstream.trainer.loss.DistillationConfig;
import dev.dualstream.trainer.loss.InBatchSoftmax;
import dev.dualstream.trainer.negatives.DocKeys;
import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeObjective;
import dev.dualstream.trainer.optim.DenseAdam;
import dev.dualstream.trainer.optim.LazyRowAdagrad;
import dev.dualstream.trainer.optim.LazyRowAdam;
import dev.dualstream.trainer.optim.TableOptimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the default dual encoder one batch at a time.
 *
 * <p>A step: deduplicate the batch's feature ids in Java ({@link RowBatch}); mean-pool each
 * sequence's rows on the heap straight from the flat table ({@link BagPooling}) into one DJL array
 * that is a leaf with a gradient; run the shared tower once over queries and documents; score
 * {@code scale x cosine} and take the in-batch softmax cross-entropy ({@link InBatchSoftmax});
 * backpropagate to the pooled leaf; spread its gradient over the touched rows and update each row
 * at once with lazy Adam or Adagrad in Java ({@link TableOptimizer}), rows in parallel over the
 * compute threads ({@link ComputeThreads}); update the dense layers with in-place Adam ({@link DenseAdam}). All native temporaries
 * of a step live in a sub-manager closed at its end, so native memory stays flat.
 *
 * <p>DJL allows one {@link GradientCollector} per JVM at a time, so forward and backward passes of
 * all trainers in a JVM (for example several Flink subtasks in one TaskManager) take turns on a
 * shared lock. Not thread-safe: one thread drives one trainer.
 */
public final class DualEncoderTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DualEncoderTrainer.class);

  /** The negative objective's state in a checkpoint (see {@link NegativeObjective#writeState}). */
  public static final String NEGATIVES_FILE = "negatives.bin";

  static final Object COLLECTOR_LOCK = new Object();

  private final ModelConfig config;
  private final long seed;
  private final Featurizer featurizer;
  private final DualEncoderNetwork network;
  private final TableOptimizer tableOptimizer;
  private final DenseAdam denseAdam;
  private final NegativeObjective objective;
  private final ObjectiveStep objectiveStep;
  private final DistillationStep distillationStep;
  private Candidates inBatchCandidates;
  private long steps;
  private long examples;

  private DualEncoderTrainer(
      ModelConfig config, long seed, DualEncoderNetwork network, TableOptimizer tableOptimizer) {
    this.config = config;
    this.seed = seed;
    this.featurizer = new Featurizer(config.featureSpec());
    this.network = network;
    this.tableOptimizer = tableOptimizer;
    this.denseAdam = new DenseAdam(network.tower().parameters(), config.denseAdam());
    // Any objective but plain in-batch softmax takes the general path (negatives, loss family).
    this.objective = config.inBatchSoftmax() ? null : NegativeObjective.create(config.negatives(),
        config.loss(), (float) config.scale(), config.outputDim(), config.maxDocIds(),
        docs -> network.embed(docs, config.inferenceBatchSize()), seed);
    this.objectiveStep = objective == null ? null
        : new ObjectiveStep(config, network, objective, tableOptimizer, denseAdam);
    this.distillationStep = new DistillationStep(config, seed, network, tableOptimizer, denseAdam);
  }

  /** A trainer at step 0 with seeded initial weights (see {@link ModelStore#untrained}). */
  public static DualEncoderTrainer create(ModelConfig config, long seed) {
    DjlOffline.ensure();
    Objects.requireNonNull(config, "config");
    ComputeThreads.apply(config.threads(), config.nativeThreads());
    DualEncoderNetwork network = ModelStore.initialNetwork(config, seed, true);
    try {
      return new DualEncoderTrainer(config, seed, network, newTableOptimizer(config));
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** Fresh state of the table optimizer the configuration names, for the whole table. */
  private static TableOptimizer newTableOptimizer(ModelConfig config) {
    int rows = config.buckets() + 1;
    return switch (config.tableOptimizer()) {
      case ADAM -> new LazyRowAdam(rows, config.embeddingDim(), config.tableAdam());
      case ADAGRAD -> new LazyRowAdagrad(rows, config.embeddingDim(), config.tableAdagrad());
    };
  }

  /**
   * Resumes training from a directory written by {@link #saveCheckpoint}: weights, optimizer
   * state, the negative objective's state (cache, popularity, pool, random state) and counters, so
   * that continuing gives the same parameters as never having stopped.
   *
   * @throws IllegalArgumentException if the directory is not a complete checkpoint, with the reason
   */
  public static DualEncoderTrainer restore(Path checkpointDir) {
    DjlOffline.ensure();
    ModelManifest manifest = ModelStore.readManifest(checkpointDir);
    ComputeThreads.apply(manifest.config().threads(), manifest.config().nativeThreads());
    try {
      return resume(checkpointDir, manifest);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot restore the trainer checkpoint in " + checkpointDir + ": " + e.getMessage(), e);
    }
  }

  private static DualEncoderTrainer resume(Path dir, ModelManifest manifest) throws IOException {
    ModelConfig config = manifest.config();
    DualEncoderNetwork network = ModelStore.readNetwork(dir, manifest, true);
    try {
      long[] denseSizes =
          network.tower().parameters().stream().mapToLong(NDArray::size).toArray();
      TrainerCheckpoint.State state = TrainerCheckpoint.read(dir, config, denseSizes);
      DualEncoderTrainer trainer =
          new DualEncoderTrainer(config, manifest.seed(), network, state.table());
      trainer.denseAdam.restore(state.denseFirst(), state.denseSecond(), state.denseSteps());
      trainer.steps = manifest.step();
      trainer.examples = manifest.examplesSeen();
      trainer.restoreNegatives(dir);
      return trainer;
    } catch (IOException | RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** Reads the objective's state; a checkpoint holds one exactly when the configuration has an objective. */
  private void restoreNegatives(Path dir) throws IOException {
    Path file = dir.resolve(NEGATIVES_FILE);
    if (objective != null) {
      objective.readState(file);
    } else if (Files.exists(file)) {
      throw new IOException(file + " holds negative objective state, but the configuration trains with plain"
          + " in-batch softmax");
    }
  }

  /**
   * One optimizer step on a batch; query i's positive is document i. By default the other
   * documents are its negatives; with other negatives or losses configured ({@link
   * ModelConfig#negatives()}, {@link ModelConfig#loss()}) they are drawn and scored as configured,
   * and the result carries the negative cache's size and staleness.
   *
   * @throws IllegalArgumentException if the batch is empty or holds an id outside {@code
   *     0..buckets}
   */
  public StepResult step(List<TrainingPair> batch) {
    return step(batch, true);
  }

  /**
   * One optimizer step on pairs applied before ({@link ReplayBuffer}): counted in {@link #steps()} but not in
   * {@link #examples()}, which counts each pair of the input once however often it is revisited.
   *
   * @throws IllegalArgumentException as {@link #step}
   */
  public StepResult replayStep(List<TrainingPair> batch) {
    return step(batch, false);
  }

  private StepResult step(List<TrainingPair> batch, boolean fresh) {
    int size = batch.size();
    int counted = fresh ? size : 0;
    if (size == 0) {
      throw new IllegalArgumentException("a training batch needs at least one pair");
    }
    if (objectiveStep != null) {
      StepResult result = objectiveStep.run(batch, steps + 1, COLLECTOR_LOCK);
      steps++;
      examples += counted;
      return result;
    }
    List<int[]> sequences = new ArrayList<>(2 * size);
    batch.forEach(p -> sequences.add(checked(p.queryView())));
    batch.forEach(p -> sequences.add(checked(p.docView())));
    long start = System.nanoTime();
    try (NDManager scope = network.newStepManager()) {
      RowBatch rows = RowBatch.of(sequences);
      TowerInput input = network.input(scope, rows, 0, 2 * size);
      input.leaf().setRequiresGradient(true);
      float loss;
      int correct;
      long forwardDone;
      long backwardDone;
      synchronized (COLLECTOR_LOCK) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          // One pass of the shared tower over queries and documents together: half the native calls.
          NDArray embedded = network.encode(input, true);
          NDArray queries = embedded.get(new NDIndex("0:{}", size));
          NDArray documents = embedded.get(new NDIndex("{}:", size));
          InBatchSoftmax.Result result =
              InBatchSoftmax.compute(queries, documents, (float) config.scale());
          loss = result.loss().getFloat();
          float[] scores = result.scores().toFloatArray();
          correct = InBatchSoftmax.correct(scores, size);
          inBatchCandidates = inBatchCandidates(sequences, scores, size);
          forwardDone = System.nanoTime();
          collector.backward(result.loss());
          backwardDone = System.nanoTime();
        }
      }
      ObjectiveStep.applyGradients(network, input, scope, tableOptimizer, denseAdam);
      steps++;
      examples += counted;
      return new StepResult(steps, size, loss, (float) correct / size, rows.size(),
          forwardDone - start, backwardDone - forwardDone, System.nanoTime() - backwardDone);
    }
  }

  /**
   * One step of this model as a student: it learns from its teacher's scores over the candidates of
   * the teacher's last step ({@link #lastCandidates()} of the teacher), mixed with the click loss as
   * {@code distillation} says. Its feature space must divide the teacher's (see {@code DistillationStep}).
   *
   * @throws IllegalArgumentException if it does not
   */
  public StepResult distill(Candidates candidates, DistillationConfig distillation) {
    return distill(candidates, distillation, true);
  }

  /** As {@link #distill}, on candidates of a teacher's replay step: counted in {@link #steps()} only. */
  public StepResult replayDistill(Candidates candidates, DistillationConfig distillation) {
    return distill(candidates, distillation, false);
  }

  private StepResult distill(Candidates candidates, DistillationConfig distillation, boolean fresh) {
    StepResult result = distillationStep.run(candidates, distillation, steps + 1, COLLECTOR_LOCK);
    steps++;
    examples += fresh ? candidates.size() : 0;
    return result;
  }

  /**
   * The candidates of this trainer's last step with its teacher's scores, for students to learn from:
   * with plain in-batch softmax, each query's batch documents; otherwise what the objective drew.
   * Empty before the first step.
   */
  public Optional<Candidates> lastCandidates() {
    return Optional.ofNullable(objectiveStep != null ? objectiveStep.lastCandidates() : inBatchCandidates);
  }

  /** In-batch candidates: query i's own document in column 0, then the others in batch order. */
  private Candidates inBatchCandidates(List<int[]> sequences, float[] scores, int size) {
    int[] cells = new int[size * size];
    double[] teacherScores = new double[size * size];
    for (int i = 0; i < size; i++) {
      int column = 0;
      cells[i * size] = i;
      teacherScores[i * size] = scores[i * size + i];
      for (int j = 0; j < size; j++) {
        if (j != i) {
          column++;
          cells[i * size + column] = j;
          teacherScores[i * size + column] = scores[i * size + j];
        }
      }
    }
    return new Candidates(sequences.subList(0, size), sequences.subList(size, 2 * size), size, cells,
        teacherScores, steps + 1, config.buckets());
  }

  /**
   * Makes a document known to the uniform and full-corpus negative sources (see {@link
   * NegativeConfig#uniform()} and {@link NegativeConfig#corpusRefreshSteps()}); positives and
   * skip-above documents become known as they stream by. A no-op for other objectives.
   *
   * @return whether the document was added (false: known, pool full, or no such source)
   */
  public boolean addKnownDocument(DocumentText document) {
    return objective != null && objective.addDocument(DocKeys.of(document.id()),
        featurizer.document(document.title(), document.text()));
  }

  /** The negative cache's statistics, when training with one. */
  public Optional<CacheStats> cacheStats() {
    return objective == null ? Optional.empty() : objective.cacheStats();
  }

  /** Optimizer steps taken, replays included. */
  public long steps() {
    return steps;
  }

  /** Training pairs seen, each once: replayed pairs are not counted again. */
  public long examples() {
    return examples;
  }

  public long seed() {
    return seed;
  }

  public ModelConfig config() {
    return config;
  }

  /** The featurizer matching this model; serializable, for featurizing in parallel tasks. */
  public Featurizer featurizer() {
    return featurizer;
  }

  /** Embeds feature-id sequences of this model's feature space with its current weights, no gradient. */
  public float[][] embedIds(List<int[]> sequences) {
    sequences.forEach(this::checked);
    return network.embed(sequences, config.inferenceBatchSize());
  }

  /**
   * Grows this trainer's Transformer to {@code layers} blocks (progressive or few-shot stacking, or
   * fresh layers on top; see {@link TransformerTower#grown}) and returns a trainer for the deeper
   * model that goes on from here: the same table with its optimizer state, steps and examples,
   * and a fresh Adam for the tower, whose shape changed (the re-warmed optimizer the stacking
   * papers restart with). Hands the table over: this trainer is closed and must not be used again.
   *
   * @throws IllegalStateException if this model's tower is not a Transformer
   * @throws IllegalArgumentException if {@code layers} is not more than it has
   */
  public DualEncoderTrainer grow(int layers, TransformerTower.Growth growth) {
    if (!(network.tower() instanceof TransformerTower transformer)) {
      throw new IllegalStateException("model " + config.modelName() + " has no Transformer blocks to grow");
    }
    ModelConfig deeper = config.toBuilder().transformer(config.transformer().withLayers(layers)).build();
    NDManager manager = NDManager.newBaseManager();
    DualEncoderTrainer grown;
    try {
      TransformerTower tower = transformer.grown(manager, layers, growth, seed + layers, true);
      grown = new DualEncoderTrainer(deeper, seed, new DualEncoderNetwork(manager, network.table(), tower),
          tableOptimizer);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    grown.steps = steps;
    grown.examples = examples;
    network.close();
    return grown;
  }

  /**
   * The share of nonzero feed-forward activations of each Transformer block over the tokens of these
   * id sequences, from a forward pass without gradients (the lazy neuron probe).
   *
   * @throws IllegalStateException if this model's tower is not a Transformer
   */
  public float[] feedForwardNonzero(List<int[]> sequences) {
    if (!(network.tower() instanceof TransformerTower transformer)) {
      throw new IllegalStateException("model " + config.modelName() + " has no Transformer blocks to probe");
    }
    sequences.forEach(this::checked);
    try (NDManager scope = network.newStepManager()) {
      return transformer.nonzeroFractions(network.input(scope, RowBatch.of(sequences), 0, sequences.size()));
    }
  }

  /**
   * A view of the current weights as a retrieval model. It reads the live weights: do not step the
   * trainer while using it. Closing it does not close the trainer.
   */
  public RetrievalModel asRetrievalModel() {
    return new DualEncoderModel(
        network, featurizer, config.inferenceBatchSize(), () -> manifest(Map.of()).describe(),
        false);
  }

  /**
   * Writes the current weights and a manifest to {@code dir} (created if needed); the manifest is
   * written last. Optimizer state is not saved: a version is for serving and evaluation.
   *
   * @param provenance facts to record, such as source offsets, input files or code version
   */
  public void save(Path dir, Map<String, String> provenance) {
    ModelStore.save(dir, network, manifest(provenance), ArrayFile.Durability.SYNCED);
  }

  /**
   * As {@link #save}, in two halves: this call writes the dense weights and the manifest and copies out of the
   * table what {@code replica} needs (the rows changed since its previous capture; the whole table the first
   * time); the returned {@link Deferred} brings the replica up to date and writes it as the version's table, on
   * any thread, while training goes on. The version is the state at this call; it is complete once the deferred
   * write is done. Captures through one replica must be written in the order they were taken.
   */
  public Deferred captureVersion(Path dir, Map<String, String> provenance, TableReplica replica) {
    TableReplica.Capture table = replica.capture(network.table(), tableOptimizer.touched());
    // The dense layers go to the page cache here and are forced to disk with the table, off the training thread.
    ModelStore.save(dir, network, manifest(provenance), ArrayFile.Durability.SCRATCH, false);
    Path file = dir.resolve(ModelManifest.EMBEDDINGS_FILE);
    return new Deferred(table.rows(), 4L * (config.buckets() + 1L) * config.embeddingDim(), () -> {
      table.writeTo(file);
      ArrayFile.force(dir.resolve(ModelManifest.DENSE_FILE));
    });
  }

  /**
   * Writes a checkpoint to a fresh directory: a complete model version (loadable with {@link
   * ModelStore#load}) plus the optimizer state in {@code optimizer.f32} and, with negatives other
   * than plain in-batch ones, the negative objective's state in {@link #NEGATIVES_FILE}, for
   * {@link #restore}. The manifest is written last. At default sizes the checkpoint is about 0.8 GB.
   * The arrays are forced to disk.
   */
  public void saveCheckpoint(Path dir, Map<String, String> provenance) {
    saveCheckpoint(dir, provenance, ArrayFile.Durability.SYNCED);
  }

  /**
   * As {@link #saveCheckpoint(Path, Map)}; with {@link ArrayFile.Durability#SCRATCH} the files are
   * left to the page cache, for a checkpoint that is read back at once.
   */
  public void saveCheckpoint(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    try {
      Files.createDirectories(dir);
      TrainerCheckpoint.write(dir, tableOptimizer, denseAdam, durability);
      if (objective != null) {
        objective.writeState(dir.resolve(NEGATIVES_FILE));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the trainer checkpoint to " + dir, e);
    }
    ModelStore.save(dir, network, manifest(provenance), durability);
  }

  /**
   * As {@link #saveCheckpoint(Path, Map, ArrayFile.Durability)}, starting a chain: the next {@link
   * #saveCheckpointDelta} holds the rows changed since this one. Other full saves (a model version with its
   * optimizer) leave the chain alone.
   */
  public void saveCheckpointBase(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    int[] rows = tableOptimizer.touched().drain();
    try {
      saveCheckpoint(dir, provenance, durability);
    } catch (RuntimeException e) {
      tableOptimizer.touched().mark(rows);
      throw e;
    }
  }

  /** Where {@link #captureCheckpointDelta} copies the changed rows; busy until that delta is written. */
  private final TableDelta.Buffers deltaBuffers = new TableDelta.Buffers();
  private volatile boolean deltaBuffersBusy;

  /** The file of an incremental checkpoint that holds the table's changed rows and their optimizer state. */
  public static final String TABLE_DELTA_FILE = "table.delta";

  /**
   * Writes an incremental checkpoint to a fresh directory: the rows of the table changed since the previous
   * link of the chain ({@link #saveCheckpointBase} or this) with their optimizer state ({@link TableDelta}), and in
   * full what is small: the dense weights and their Adam state, the negative objective's state, the counters and
   * manifest. It costs the rows touched, not the table; {@link #restore(List)} puts a chain of them back over the
   * full checkpoint they extend. Not a model version: {@link ModelStore#load} refuses it.
   *
   * @return the number of table rows written
   */
  public int saveCheckpointDelta(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    Deferred deferred = captureCheckpointDelta(dir, provenance, durability);
    try {
      deferred.write();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the incremental trainer checkpoint to " + dir, e);
    }
    return deferred.rows();
  }

  /**
   * As {@link #saveCheckpointDelta}, in two halves: this call writes the small files and copies the changed
   * rows out of the table (a memory copy of the rows, not of the table), and the returned {@link Deferred} writes
   * the copy, on any thread, while training goes on. The checkpoint is exactly the state at this call. The
   * rows count as saved from here on: if the deferred write fails, the chain it extends is broken, and the next
   * link must be a full one.
   */
  public Deferred captureCheckpointDelta(Path dir, Map<String, String> provenance, ArrayFile.Durability durability) {
    long start = System.nanoTime();
    int[] rows = tableOptimizer.touched().drain();
    TableDelta delta;
    // The rows go into the same arrays each time, unless the previous delta is still being written.
    boolean reuse = !deltaBuffersBusy;
    long drained = System.nanoTime();
    long copied;
    try {
      Files.createDirectories(dir);
      delta = TableDelta.capture(network.table().weights(), tableOptimizer, rows,
          reuse ? deltaBuffers : new TableDelta.Buffers());
      deltaBuffersBusy = reuse || deltaBuffersBusy;
      copied = System.nanoTime();
      DenseOptimizerFile.write(dir, denseAdam, durability);
      if (objective != null) {
        objective.writeState(dir.resolve(NEGATIVES_FILE));
      }
      ModelStore.save(dir, network, manifest(provenance), durability, false);
      LOG.info("{}: {} changed rows captured in {} ms (finding them {} ms, copying {} ms{}, the small state {} ms)",
          config.modelName(), rows.length, (System.nanoTime() - start) / 1_000_000, (drained - start) / 1_000_000,
          (copied - drained) / 1_000_000, reuse ? "" : " into new arrays", (System.nanoTime() - copied) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      if (reuse) {
        deltaBuffersBusy = false;
      }
      tableOptimizer.touched().mark(rows); // not captured: the next checkpoint must carry them
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot write the incremental trainer checkpoint to " + dir, io);
      }
      throw (RuntimeException) e;
    }
    Path file = dir.resolve(TABLE_DELTA_FILE);
    return new Deferred(rows.length, delta.bytes(), () -> {
      try {
        delta.write(file, durability);
      } finally {
        if (reuse) {
          deltaBuffersBusy = false;
        }
      }
    });
  }

  /**
   * The part of an incremental checkpoint captured in memory and not yet written.
   *
   * @param rows the table rows it holds
   * @param bytes the bytes it will write
   * @param writer writes them
   */
  public record Deferred(int rows, long bytes, Writer writer) {
    /** Nothing left to write. */
    public static final Deferred NONE = new Deferred(0, 0, () -> { });

    /** Writes what was captured. */
    public void write() throws IOException {
      writer.write();
    }

    /** Several deferred writes as one, written in order. */
    public static Deferred all(List<Deferred> parts) {
      List<Deferred> copy = List.copyOf(parts);
      return new Deferred(copy.stream().mapToInt(Deferred::rows).sum(), copy.stream().mapToLong(Deferred::bytes).sum(),
          () -> {
            for (Deferred part : copy) {
              part.write();
            }
          });
    }
  }

  /** Writes captured state to files. */
  @FunctionalInterface
  public interface Writer {
    void write() throws IOException;
  }

  /**
   * Resumes training from a chain of checkpoints: a full one ({@link #saveCheckpointBase}) then the incremental
   * ones ({@link #saveCheckpointDelta}) that extend it, oldest first. The table and its optimizer come from
   * the full checkpoint with every delta applied in order; everything else from the newest link. Continuing
   * gives the same parameters as never having stopped.
   *
   * @throws IllegalArgumentException if a link is missing, damaged, of another model, or out of place
   */
  public static DualEncoderTrainer restore(List<Path> chain) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an empty chain of checkpoints");
    }
    if (chain.size() == 1) {
      return restore(chain.get(0));
    }
    DjlOffline.ensure();
    Path base = chain.get(0);
    Path newest = chain.get(chain.size() - 1);
    ModelManifest baseManifest = ModelStore.readManifest(base);
    ModelManifest manifest = ModelStore.readManifest(newest);
    ComputeThreads.apply(manifest.config().threads(), manifest.config().nativeThreads());
    try {
      if (Files.exists(base.resolve(TABLE_DELTA_FILE))) {
        throw new IOException("the chain starts with an incremental checkpoint, " + base);
      }
      for (Path link : chain.subList(1, chain.size())) {
        ModelManifest m = ModelStore.readManifest(link);
        if (!m.configHash().equals(baseManifest.configHash()) || m.seed() != baseManifest.seed()) {
          throw new IOException(link + " is a checkpoint of another model or seed than " + base);
        }
        if (!Files.isRegularFile(link.resolve(TABLE_DELTA_FILE))) {
          throw new IOException(link + " is not an incremental checkpoint (no " + TABLE_DELTA_FILE + ")");
        }
      }
      return resumeChain(base, chain.subList(1, chain.size()), manifest);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot restore the trainer from the chain " + base + " .. " + newest + ": "
          + e.getMessage(), e);
    }
  }

  private static DualEncoderTrainer resumeChain(Path base, List<Path> deltas, ModelManifest manifest)
      throws IOException {
    ModelConfig config = manifest.config();
    Path newest = deltas.get(deltas.size() - 1);
    EmbeddingTable table = EmbeddingTable.read(base.resolve(ModelManifest.EMBEDDINGS_FILE));
    NDManager manager = NDManager.newBaseManager();
    DualEncoderNetwork network;
    try {
      network = new DualEncoderNetwork(manager, table, Tower.read(manager, newest.resolve(ModelManifest.DENSE_FILE),
          true));
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    try {
      long[] denseSizes = network.tower().parameters().stream().mapToLong(NDArray::size).toArray();
      TableOptimizer tableOptimizer = TrainerCheckpoint.read(base, config, denseSizes).table();
      for (Path link : deltas) {
        TableDelta.read(link.resolve(TABLE_DELTA_FILE)).applyTo(table.weights(), tableOptimizer);
      }
      tableOptimizer.touched().drain();
      DualEncoderTrainer trainer = new DualEncoderTrainer(config, manifest.seed(), network, tableOptimizer);
      DenseOptimizerFile.restore(newest, trainer.denseAdam, denseSizes);
      trainer.steps = manifest.step();
      trainer.examples = manifest.examplesSeen();
      trainer.restoreNegatives(newest);
      return trainer;
    } catch (IOException | RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** The engine, its version, the device and the thread settings, for logs. */
  public String describeDevice() {
    Engine engine = Engine.getInstance();
    return engine.getEngineName() + " " + engine.getVersion() + " on " + network.device()
        + ", " + ComputeThreads.parallelism() + " compute threads"
        + (config.threads() > 0 ? " (dense tower on " + config.nativeThreads() + " native thread"
            + (config.nativeThreads() == 1 ? ")" : "s)") : " (native: engine default)");
  }

  /** Human-readable provenance of the current state. */
  public String describe() {
    return manifest(Map.of()).describe();
  }

  @Override
  public void close() {
    network.close();
  }

  private ModelManifest manifest(Map<String, String> provenance) {
    return new ModelManifest(
        ModelManifest.FORMAT,
        ModelManifest.FORMAT_VERSION,
        config.modelName(),
        config.encoderName(),
        network.dimension(),
        steps,
        examples,
        seed,
        ModelStore.configHash(config),
        config,
        featurizer.spec(),
        provenance,
        Map.of("embeddings", ModelManifest.EMBEDDINGS_FILE, "dense", ModelManifest.DENSE_FILE));
  }

  private int[] checked(int[] ids) {
    int buckets = config.buckets();
    for (int id : ids) {
      if (id < 0 || id > buckets) {
        throw new IllegalArgumentException("feature id " + id + " is outside 0.." + buckets
            + "; was the pair featurized with this model's feature spec?");
      }
    }
    return ids;
  }
}
