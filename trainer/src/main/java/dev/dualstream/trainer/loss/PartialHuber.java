package dev.dualstream.trainer.loss;

/**
 * The partially Huberised cross-entropy of Menon, Rawat, Reddi and Kumar, "Can gradient clipping
 * mitigate label noise?", ICLR 2020: with p the predicted probability of the labelled class,
 *
 * <pre>
 *   l(p) = -tau p + log tau + 1   if p &lt;= 1/tau
 *   l(p) = -log p                 otherwise          (tau &gt; 1)
 * </pre>
 *
 * the tangent of {@code -log p} at {@code p = 1/tau}: continuous, once differentiable, and with
 * {@code |dl/dp| <= tau}, so an example the model finds very unlikely (often a wrong label, here a
 * noise click) pulls no harder than one at the threshold. With respect to the logits the gradient
 * is that of cross-entropy times {@link #gradientScale}: {@code tau p} below the threshold, 1 above.
 */
public final class PartialHuber {
  private PartialHuber() {}

  /**
   * The loss at positive probability {@code exp(logP)}; taking the log keeps {@code -log p} exact
   * where p underflows.
   */
  public static double loss(double logP, double tau) {
    double p = Math.exp(logP);
    return p <= 1 / tau ? -tau * p + Math.log(tau) + 1 : -logP;
  }

  /** The factor by which the loss's gradient with respect to the logits differs from cross-entropy's. */
  public static double gradientScale(double logP, double tau) {
    double p = Math.exp(logP);
    return p <= 1 / tau ? tau * p : 1;
  }
}
