package dev.dualstream.trainer.encoder;

import java.io.Serializable;

/**
 * The shape of a {@link TransformerTower} beyond the widths a model configuration already has
 * (model width = embedding width, feed-forward width = hidden width, output width).
 *
 * @param layers Transformer blocks
 * @param heads attention heads; must divide the model width
 * @param topK feed-forward activations kept per token (the k largest after the ReLU, the rest
 *     zeroed, in training and inference); 0 keeps all
 */
public record TransformerSpec(int layers, int heads, int topK) implements Serializable {

  public TransformerSpec {
    if (layers < 1) {
      throw new IllegalArgumentException("a Transformer needs at least one layer, got " + layers);
    }
    if (heads < 1) {
      throw new IllegalArgumentException("a Transformer needs at least one head, got " + heads);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be 0 (keep all) or positive, got " + topK);
    }
  }

  /** How {@link #parseEncoder} reads an encoder, for help texts. */
  public static final String SYNTAX = "bag | transformer[:layers=L,heads=H,topk=K]";

  /**
   * Reads an encoder named on a command line: {@code bag} (the default embedding bag and MLP; null)
   * or {@code transformer}, optionally followed by {@code :} and comma-separated {@code key=value}
   * pairs overriding {@link #defaults()}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static TransformerSpec parseEncoder(String text) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.equals("bag")) {
      return null;
    }
    int colon = trimmed.indexOf(':');
    String kind = colon < 0 ? trimmed : trimmed.substring(0, colon);
    if (!kind.equals("transformer")) {
      throw new IllegalArgumentException("unknown encoder '" + text + "'; expected " + SYNTAX);
    }
    TransformerSpec spec = defaults();
    if (colon < 0) {
      return spec;
    }
    for (String pair : trimmed.substring(colon + 1).split(",")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("encoder setting '" + pair + "' is not key=value; expected "
            + SYNTAX);
      }
      int value;
      try {
        value = Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("encoder setting " + kv[0] + " needs a whole number, got '"
            + kv[1] + "'");
      }
      spec = switch (kv[0].trim()) {
        case "layers" -> new TransformerSpec(value, spec.heads, spec.topK);
        case "heads" -> new TransformerSpec(spec.layers, value, spec.topK);
        case "topk" -> new TransformerSpec(spec.layers, spec.heads, value);
        default -> throw new IllegalArgumentException("unknown encoder setting '" + kv[0]
            + "'; expected layers, heads or topk");
      };
    }
    return spec;
  }

  /** This spec as {@link #parseEncoder} reads it. */
  public String describe() {
    return "transformer:layers=" + layers + ",heads=" + heads + ",topk=" + topK;
  }

  /** Two layers of four heads, all activations kept. */
  public static TransformerSpec defaults() {
    return new TransformerSpec(2, 4, 0);
  }

  public TransformerSpec withLayers(int value) {
    return new TransformerSpec(value, heads, topK);
  }

  public TransformerSpec withTopK(int value) {
    return new TransformerSpec(layers, heads, value);
  }
}
