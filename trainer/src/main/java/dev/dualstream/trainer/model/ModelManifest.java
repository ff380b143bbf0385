package dev.dualstream.trainer.model;

import dev.dualstream.trainer.feature.FeatureSpec;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON manifest of a saved model version ({@code manifest.json}): what the model is, how its
 * text is featurized, how far it was trained and from what. The weight files it names sit beside
 * it. The manifest is written last, so a directory with one holds a complete version.
 */
record ModelManifest(
    String format,
    int formatVersion,
    String modelName,
    String encoder,
    int dimension,
    long step,
    long examplesSeen,
    long seed,
    String configHash,
    ModelConfig config,
    FeatureSpec featureSpec,
    Map<String, String> provenance,
    Map<String, String> files) {

  static final String FORMAT = "dualstream-model";
  static final int FORMAT_VERSION = 1;
  static final String ENCODER = "hashed-bag-mlp";
  static final String TRANSFORMER_ENCODER = "hashed-transformer";
  static final String FILE_NAME = "manifest.json";
  static final String EMBEDDINGS_FILE = "embeddings.f32";
  static final String DENSE_FILE = "dense.f32";

  ModelManifest {
    provenance = provenance == null ? Map.of() : new TreeMap<>(provenance);
    files = files == null ? Map.of() : new TreeMap<>(files);
  }

  /** Human-readable provenance, one fact per line. */
  String describe() {
    StringBuilder out = new StringBuilder();
    out.append("model ").append(modelName).append(" (").append(encoder).append(")")
        .append(", step ").append(step).append(", examples seen ").append(examplesSeen)
        .append(", seed ").append(seed).append('\n');
    out.append("dims: buckets ").append(config.buckets()).append(", embedding ")
        .append(config.embeddingDim()).append(", hidden ").append(config.hiddenDim())
        .append(", output ").append(dimension)
        .append(config.transformer() == null ? "" : ", " + config.transformer().describe()).append('\n');
    out.append("features: ").append(featureSpec.toJson()).append('\n');
    out.append("config hash: ").append(configHash).append('\n');
    out.append("provenance:");
    if (provenance.isEmpty()) {
      out.append(" none");
    }
    provenance.forEach((k, v) -> out.append("\n  ").append(k).append(" = ").append(v));
    return out.toString();
  }
}
