package dev.dualstream.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LossConfigTest {

  @Test
  void defaultsAreCrossEntropyWithoutLabelBias() {
    LossConfig c = LossConfig.defaults();
    assertEquals(LossConfig.Kind.SOFTMAX, c.kind());
    assertEquals(10.0, c.phuberTau());
    assertEquals(0.0, c.labelBiasTau());
    assertEquals(new LossConfig(LossConfig.Kind.PHUBER, 2, 0.5), c.withPhuber(2).withLabelBias(0.5));
  }

  @Test
  void everyOptionHasADescription() {
    Arrays.stream(LossConfig.class.getRecordComponents())
        .forEach(c -> assertTrue(LossConfig.DESCRIPTIONS.containsKey(c.getName()), c.getName()));
  }

  @Test
  void inversePropensityWeightsAreClippedAndOffByDefault() {
    assertFalse(LossConfig.defaults().weighted());
    assertEquals(1.0, LossConfig.defaults().weight(0.01), "unweighted, every example weighs 1");
    LossConfig ips = LossConfig.defaults().withIpsClip(10);
    assertTrue(ips.weighted());
    assertEquals(1.0, ips.weight(1));
    assertEquals(4.0, ips.weight(0.25));
    assertEquals(10.0, ips.weight(0.01), "clipped");
    assertEquals(10.0, ips.withPhuber(3).withSoftmax().withLabelBias(0.5).ipsClip(), "the other knobs keep the weighting");
  }

  @Test
  void refusesAClipThatWouldWeighAnExampleShownForSureBelowOne() {
    for (double bad : new double[] {0.5, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LossConfig.defaults().withIpsClip(bad));
      assertTrue(e.getMessage().contains("ipsClip"), e.getMessage());
    }
  }

  @Test
  void refusesATauThatIsNoThreshold() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LossConfig.defaults().withPhuber(1));
    assertTrue(e.getMessage().contains("phuberTau"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LossConfig.defaults().withLabelBias(Double.NaN));
  }
}
