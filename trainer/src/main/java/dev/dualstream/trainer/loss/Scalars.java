package dev.dualstream.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Scalars for arithmetic inside a gradient collector. DJL's overloads that take a {@code Number}
 * ({@code mul(Number)}, {@code div(Number)}, ...) wrap it in a tensor over a direct buffer and close
 * that tensor as soon as the op returns; autograd saves the scalar for the backward pass, and once
 * the garbage collector frees the buffer the backward pass reads freed memory (gradients of zero or
 * 1e28, now and then). A scalar made here belongs to {@code manager}, which keeps it, and its
 * buffer, alive until the manager closes: after the step's backward pass.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code value} as a float32 scalar owned by {@code manager}. */
  public static NDArray of(NDManager manager, float value) {
    return manager.create(value);
  }
}
