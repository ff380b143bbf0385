package dev.dualstream.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Adam over dense DJL parameters, updated in place.
 *
 * <p>Design note. DJL's stock {@code Adam} clones each gradient and allocates several full-size
 * temporaries per step, and fresh native memory is slow to fault in. Here the moments are
 * allocated once, next to their parameter, and updated in place; the few temporaries of a step are
 * moved to a caller's scratch manager, which frees them when it closes. The update rule is
 * PyTorch's {@code torch.optim.Adam} (see {@link LazyRowAdam}). The step also zeroes each
 * gradient, because gradients accumulate across backward passes in DJL's PyTorch engine.
 *
 * <p>On the PyTorch engine the update is libtorch's own in-place Adam kernel, one native call per
 * parameter (see {@link #fusedStep}), because a step of about fifteen small array operations per
 * parameter costs more in call overhead than in arithmetic. On other engines, parameters are
 * written through detached views ({@link NDArray#stopGradient()}), which share storage with the
 * parameter, so the update is never recorded by autograd whatever the thread's grad mode. Not
 * thread-safe.
 */
public final class DenseAdam {

  private final AdamSettings settings;
  private final List<NDArray> parameters;
  private final List<NDArray> firstMoments = new ArrayList<>();
  private final List<NDArray> secondMoments = new ArrayList<>();
  private final boolean fused;
  private long steps;

  /**
   * Zero moments for each parameter, allocated in that parameter's manager.
   *
   * @param parameters arrays that require gradients
   */
  public DenseAdam(List<NDArray> parameters, AdamSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.parameters = List.copyOf(parameters);
    for (NDArray p : this.parameters) {
      if (!p.hasGradient()) {
        throw new IllegalArgumentException("parameter " + p.getShape() + " has no gradient");
      }
      firstMoments.add(p.zerosLike());
      secondMoments.add(p.zerosLike());
    }
    this.fused = this.parameters.stream().allMatch(p -> p instanceof PtNDArray);
  }

  /**
   * Applies one Adam step from the parameters' current gradients and zeroes them.
   *
   * @param scratch manager that takes this step's temporaries; the caller closes it
   */
  public void step(NDManager scratch) {
    steps++;
    double bias1 = 1 - Math.pow(settings.beta1(), steps);
    double rootBias2 = Math.sqrt(1 - Math.pow(settings.beta2(), steps));
    for (int i = 0; i < parameters.size(); i++) {
      NDArray param = parameters.get(i);
      NDArray grad = scratch(param.getGradient(), scratch);
      if (fused) {
        fusedStep(param, grad, firstMoments.get(i), secondMoments.get(i), bias1, rootBias2);
      } else {
        genericStep(param, grad, firstMoments.get(i), secondMoments.get(i), bias1, rootBias2,
            scratch);
      }
    }
  }

  /**
   * libtorch's in-place Adam kernel through the PyTorch engine's JNI: one native call per parameter
   * instead of about fifteen. It computes {@code w -= c m / (sqrt(v) + e)}; with {@code c = lr
   * sqrt(1 - b2^t) / (1 - b1^t)} and {@code e = eps sqrt(1 - b2^t)} that is exactly PyTorch's
   * rule, {@code w -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
   */
  private void fusedStep(NDArray param, NDArray grad, NDArray m, NDArray v, double bias1,
      double rootBias2) {
    JniUtils.adamUpdate((PtNDArray) param, (PtNDArray) grad, (PtNDArray) m, (PtNDArray) v,
        (float) settings.learningRate(), (float) (settings.learningRate() * rootBias2 / bias1),
        0f, 1f, -1f, (float) settings.beta1(), (float) settings.beta2(),
        (float) (settings.epsilon() * rootBias2), false);
    grad.subi(grad);
  }

  private void genericStep(NDArray param, NDArray grad, NDArray m, NDArray v, double bias1,
      double rootBias2, NDManager scratch) {
    float b1 = (float) settings.beta1();
    float b2 = (float) settings.beta2();
    m.muli(b1).addi(scratch(grad.mul(1 - b1), scratch));
    v.muli(b2).addi(scratch(grad.square(), scratch).muli(1 - b2));
    NDArray denom = scratch(v.sqrt(), scratch).divi(rootBias2).addi((float) settings.epsilon());
    NDArray update = scratch(m.div(denom), scratch).muli(settings.learningRate() / bias1);
    scratch(param.stopGradient(), scratch).subi(update);
    grad.subi(grad);
  }

  /**
   * Restores saved state: moments as written by {@link #firstMoments()} and {@link
   * #secondMoments()} (one flat array per parameter) and the step count.
   */
  public void restore(List<float[]> first, List<float[]> second, long steps) {
    if (first.size() != parameters.size() || second.size() != parameters.size() || steps < 0) {
      throw new IllegalArgumentException("saved optimizer state does not match "
          + parameters.size() + " parameters");
    }
    for (int i = 0; i < parameters.size(); i++) {
      set(firstMoments.get(i), first.get(i));
      set(secondMoments.get(i), second.get(i));
    }
    this.steps = steps;
  }

  /** Steps taken so far. */
  public long steps() {
    return steps;
  }

  public AdamSettings settings() {
    return settings;
  }

  /** The first-moment arrays, one per parameter, for checkpointing. */
  public List<NDArray> firstMoments() {
    return List.copyOf(firstMoments);
  }

  /** The second-moment arrays, one per parameter, for checkpointing. */
  public List<NDArray> secondMoments() {
    return List.copyOf(secondMoments);
  }

  private static void set(NDArray target, float[] values) {
    if (target.size() != values.length) {
      throw new IllegalArgumentException("saved moment has " + values.length + " values, expected "
          + target.getShape());
    }
    target.set(FloatBuffer.wrap(values));
  }

  private static NDArray scratch(NDArray array, NDManager scratch) {
    array.attach(scratch);
    return array;
  }
}
