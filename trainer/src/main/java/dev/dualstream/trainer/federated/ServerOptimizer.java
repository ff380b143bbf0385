package dev.dualstream.trainer.federated;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * The server update of FedOpt (Reddi et al., ICLR 2021, Algorithm 2), applied element-wise to the
 * parameters {@code x} given the round's averaged client delta {@code Δ = mean_i w_i (x_i - x) /
 * mean_i w_i}, the pseudo-gradient's negative:
 *
 * <pre>
 * FedAvg:     x += η Δ
 * FedAvgM:    m = β1 m + Δ;                  x += η m        (heavy ball, as server SGD with momentum)
 * FedAdagrad: m = β1 m + (1 - β1) Δ;  v = v + Δ²
 * FedAdam:    m = β1 m + (1 - β1) Δ;  v = β2 v + (1 - β2) Δ²
 * FedYogi:    m = β1 m + (1 - β1) Δ;  v = v - (1 - β2) Δ² sign(v - Δ²)
 *             (the three adaptive ones)  x += η m / (sqrt(v) + τ)
 * </pre>
 *
 * without bias correction, as Algorithm 2 writes it, with {@code m} and {@code v} starting at 0
 * (as the paper's reference code and Flower do; the paper allows {@code v} from {@code τ²}).
 *
 * <p><b>Sparse rows.</b> The embedding table is merged row by row, and a row's state moves only in
 * a round where some sampled client touched the row: then its Δ is the weighted mean over all the
 * round's clients (those that did not touch it contribute a zero delta), and {@code x}, {@code m}
 * and {@code v} are updated as above. A row no client touched keeps {@code x}, {@code m} and {@code
 * v} as they were, where a dense update would decay {@code m} and {@code v} and keep moving {@code
 * x} by its momentum: the lazy rule of the trainer's own sparse optimizers, so a round costs the
 * rows it touched, not the table.
 */
public final class ServerOptimizer {

  /** The server optimizers of the paper. */
  public enum Kind {
    FEDAVG,
    FEDAVGM,
    FEDADAGRAD,
    FEDADAM,
    FEDYOGI;

    /** The lower-case name reports and command lines use. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the update divides by {@code sqrt(v) + τ}. */
    public boolean adaptive() {
      return this == FEDADAGRAD || this == FEDADAM || this == FEDYOGI;
    }

    /** Whether the optimizer keeps a first moment {@code m}. */
    boolean hasMomentum() {
      return this != FEDAVG;
    }
  }

  /**
   * The server's settings.
   *
   * @param learningRate η
   * @param beta1 β1, the first moment's decay (FedAvgM's momentum)
   * @param beta2 β2, the second moment's decay (FedAdam, FedYogi)
   * @param tau τ, the adaptivity constant of the adaptive optimizers
   */
  public record Settings(Kind kind, double learningRate, double beta1, double beta2, double tau)
      implements Serializable {
    public Settings {
      Objects.requireNonNull(kind, "kind");
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException("server learning rate must be positive, got " + learningRate);
      }
      if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + " and " + beta2);
      }
      if (!(tau > 0) || Double.isInfinite(tau)) {
        throw new IllegalArgumentException("tau must be positive, got " + tau);
      }
    }

    /**
     * The paper's defaults for a kind at a server learning rate: β1 0.9 (0 for FedAdagrad, as the
     * reference code runs it), β2 0.99, τ 1e-3.
     */
    public static Settings of(Kind kind, double learningRate) {
      return new Settings(kind, learningRate, kind == Kind.FEDADAGRAD ? 0 : 0.9, 0.99, 1e-3);
    }

    public Settings withTau(double value) {
      return new Settings(kind, learningRate, beta1, beta2, value);
    }
  }

  private final Settings settings;

  public ServerOptimizer(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Updates {@code length} elements of {@code x} from {@code offset} with the round's mean delta
   * at {@code delta[deltaOffset ..]}, and the state {@code m}, {@code v} at the same offset as
   * {@code x}. For a sparse row, call only in a round where some client touched it.
   *
   * @param m first moment, unused (may be null) for FedAvg
   * @param v second moment, unused (may be null) for FedAvg and FedAvgM
   */
  public void apply(float[] x, int offset, int length, float[] delta, int deltaOffset, float[] m, float[] v) {
    Kind kind = settings.kind();
    double eta = settings.learningRate();
    double beta1 = settings.beta1();
    double beta2 = settings.beta2();
    double tau = settings.tau();
    for (int j = 0; j < length; j++) {
      int at = offset + j;
      double d = delta[deltaOffset + j];
      switch (kind) {
        case FEDAVG -> x[at] += (float) (eta * d);
        case FEDAVGM -> {
          m[at] = (float) (beta1 * m[at] + d);
          x[at] += (float) (eta * m[at]);
        }
        default -> {
          m[at] = (float) (beta1 * m[at] + (1 - beta1) * d);
          double squared = d * d;
          v[at] = (float) switch (kind) {
            case FEDADAGRAD -> v[at] + squared;
            case FEDADAM -> beta2 * v[at] + (1 - beta2) * squared;
            case FEDYOGI -> v[at] - (1 - beta2) * squared * Math.signum(v[at] - squared);
            default -> throw new IllegalStateException("not adaptive: " + kind);
          };
          x[at] += (float) (eta * m[at] / (Math.sqrt(v[at]) + tau));
        }
      }
    }
  }

  /** Whether this optimizer keeps a first moment (every kind but FedAvg). */
  public boolean needsFirstMoment() {
    return settings.kind().hasMomentum();
  }

  /** Whether this optimizer keeps a second moment (the adaptive kinds). */
  public boolean needsSecondMoment() {
    return settings.kind().adaptive();
  }
}
