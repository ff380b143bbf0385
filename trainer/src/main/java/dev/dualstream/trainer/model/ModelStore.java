package dev.dualstream.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dualstream.trainer.encoder.ArrayFile;
import dev.dualstream.trainer.encoder.ComputeThreads;
import dev.dualstream.trainer.encoder.DualEncoderNetwork;
import dev.dualstream.trainer.encoder.EmbeddingTable;
import dev.dualstream.trainer.encoder.MlpTower;
import dev.dualstream.trainer.encoder.Tower;
import dev.dualstream.trainer.encoder.TransformerTower;
import dev.dualstream.trainer.feature.Featurizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Reads and writes model versions. A version is a directory holding {@code manifest.json} (model
 * name, config, feature spec, dims, step, examples seen, seed, provenance), {@code embeddings.f32}
 * (the table, see {@link EmbeddingTable}) and {@code dense.f32} (the MLP, see {@link MlpTower}).
 */
public final class ModelStore {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private ModelStore() {}

  /**
   * Loads the model version in a directory.
   *
   * @throws IllegalArgumentException if the directory does not hold a complete, readable version;
   *     the message says what is wrong
   */
  public static RetrievalModel load(Path versionDir) {
    DjlOffline.ensure();
    ModelManifest manifest = readManifest(versionDir);
    ModelConfig config = manifest.config();
    ComputeThreads.apply(config.threads(), config.nativeThreads());
    try {
      DualEncoderNetwork network = readNetwork(versionDir, manifest, false);
      String description = manifest.describe();
      return new DualEncoderModel(network, new Featurizer(manifest.featureSpec()),
          config.inferenceBatchSize(), () -> description, true);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot load the model version in " + versionDir + ": " + e.getMessage(), e);
    }
  }

  /** The model a trainer with this configuration and seed starts from, before any step. */
  public static RetrievalModel untrained(ModelConfig config, long seed) {
    DjlOffline.ensure();
    ComputeThreads.apply(config.threads(), config.nativeThreads());
    DualEncoderNetwork network = initialNetwork(config, seed, false);
    String description =
        "model " + config.modelName() + " (" + config.encoderName() + "), untrained, seed " + seed
            + "\nconfig hash: " + configHash(config);
    return new DualEncoderModel(network, new Featurizer(config.featureSpec()),
        config.inferenceBatchSize(), () -> description, true);
  }

  /** The provenance of a saved version, read from its manifest alone (no weights are loaded). */
  public static String describe(Path versionDir) {
    return readManifest(versionDir).describe();
  }

  /** The weights of a saved version, checked against its manifest. */
  static DualEncoderNetwork readNetwork(Path dir, ModelManifest manifest, boolean trainable)
      throws IOException {
    ModelConfig config = manifest.config();
    Path tableFile = dir.resolve(ModelManifest.EMBEDDINGS_FILE);
    Path denseFile = dir.resolve(ModelManifest.DENSE_FILE);
    for (Path file : List.of(tableFile, denseFile)) {
      if (!Files.isRegularFile(file)) {
        throw new IOException("missing weight file " + file.getFileName());
      }
    }
    EmbeddingTable table = EmbeddingTable.read(tableFile);
    NDManager manager = NDManager.newBaseManager();
    try {
      Tower tower = Tower.read(manager, denseFile, trainable);
      if (table.buckets() != config.buckets() || table.dim() != config.embeddingDim()
          || !tower.shapes().equals(towerShapes(config))
          || (tower instanceof TransformerTower t && !t.spec().equals(config.transformer()))) {
        throw new IOException("weight files do not match the dims in " + ModelManifest.FILE_NAME);
      }
      return new DualEncoderNetwork(manager, table, tower);
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Seeded initial weights; the same for a trainer and for {@link #untrained}. */
  static DualEncoderNetwork initialNetwork(ModelConfig config, long seed, boolean trainable) {
    SplittableRandom seeds = new SplittableRandom(seed);
    long tableSeed = seeds.nextLong();
    long towerSeed = seeds.nextLong();
    EmbeddingTable table = EmbeddingTable.random(config.buckets(), config.embeddingDim(),
        (float) config.embeddingInitScale(), tableSeed);
    NDManager manager = NDManager.newBaseManager();
    try {
      Tower tower = config.transformer() == null
          ? MlpTower.random(manager, config.embeddingDim(), config.hiddenDim(), config.outputDim(),
              towerSeed, trainable)
          : TransformerTower.random(manager, config.embeddingDim(), config.hiddenDim(),
              config.outputDim(), config.positions(), config.transformer(), towerSeed, trainable);
      return new DualEncoderNetwork(manager, table, tower);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Writes the weights, then the manifest through a rename: it appears complete or not at all. */
  static void save(Path dir, DualEncoderNetwork network, ModelManifest manifest, ArrayFile.Durability durability) {
    save(dir, network, manifest, durability, true);
  }

  /**
   * As {@link #save(Path, DualEncoderNetwork, ModelManifest, ArrayFile.Durability)}, leaving the table out
   * unless {@code withTable}: an incremental checkpoint holds only its changed rows, and is no model version.
   */
  static void save(Path dir, DualEncoderNetwork network, ModelManifest manifest, ArrayFile.Durability durability,
      boolean withTable) {
    try {
      Files.createDirectories(dir);
      if (withTable) {
        network.table().write(dir.resolve(ModelManifest.EMBEDDINGS_FILE), durability);
      }
      network.tower().write(dir.resolve(ModelManifest.DENSE_FILE), durability);
      Path temp = dir.resolve(ModelManifest.FILE_NAME + ".tmp");
      JSON.writeValue(temp.toFile(), manifest);
      Files.move(temp, dir.resolve(ModelManifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model version to " + dir, e);
    }
  }

  static ModelManifest readManifest(Path dir) {
    Path file = dir.resolve(ModelManifest.FILE_NAME);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("not a model version directory: " + dir
          + " does not exist or is not a directory");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("not a model version directory: " + dir + " has no "
          + ModelManifest.FILE_NAME);
    }
    ModelManifest manifest;
    try {
      manifest = JSON.readValue(file.toFile(), ModelManifest.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable " + file + ": " + e.getMessage(), e);
    }
    if (manifest == null || !ModelManifest.FORMAT.equals(manifest.format())) {
      throw new IllegalArgumentException(file + " is not a dualstream model manifest");
    }
    if (manifest.formatVersion() != ModelManifest.FORMAT_VERSION
        || !(ModelManifest.ENCODER.equals(manifest.encoder())
            || ModelManifest.TRANSFORMER_ENCODER.equals(manifest.encoder()))) {
      throw new IllegalArgumentException(file + " has format version " + manifest.formatVersion()
          + " and encoder " + manifest.encoder() + "; this build reads version "
          + ModelManifest.FORMAT_VERSION + " of " + ModelManifest.ENCODER + " and "
          + ModelManifest.TRANSFORMER_ENCODER);
    }
    if (manifest.config() == null || manifest.featureSpec() == null) {
      throw new IllegalArgumentException(file + " lacks the model config or feature spec");
    }
    if (!manifest.config().encoderName().equals(manifest.encoder())) {
      throw new IllegalArgumentException(file + " names encoder " + manifest.encoder()
          + " but its config describes " + manifest.config().encoderName());
    }
    return manifest;
  }

  /** The parameter shapes of the tower a configuration describes. */
  private static List<Shape> towerShapes(ModelConfig config) {
    if (config.transformer() != null) {
      return TransformerTower.shapes(config.embeddingDim(), config.hiddenDim(), config.outputDim(),
          config.positions(), config.transformer().layers());
    }
    return List.of(new Shape(config.hiddenDim(), config.embeddingDim()), new Shape(config.hiddenDim()),
        new Shape(config.outputDim(), config.hiddenDim()), new Shape(config.outputDim()));
  }

  /** First 16 hex digits of the SHA-256 of the configuration's JSON. */
  static String configHash(ModelConfig config) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(config.toJson().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
