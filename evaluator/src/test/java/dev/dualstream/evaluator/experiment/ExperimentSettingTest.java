package dev.dualstream.evaluator.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentSettingTest {

  @Test
  void theSkipAboveSuffixAddsSkipAboveNegativesToAnySetting() {
    ExperimentSetting cache = ExperimentSetting.named("cache-16384-top64-oldest1024");
    ExperimentSetting withSkip = ExperimentSetting.named("cache-16384-top64-oldest1024+skip-above");
    assertEquals("cache-16384-top64-oldest1024+skip-above", withSkip.name());
    assertEquals(0, cache.negatives().skipAbove());
    assertEquals(cache.negatives().withSkipAbove(ExperimentSetting.SKIP_ABOVE_DOCUMENTS), withSkip.negatives());
    assertEquals(ExperimentSetting.named("in-batch").negatives().withSkipAbove(3),
        ExperimentSetting.named("in-batch+skip-above").negatives(), "the extra setting is the suffix on in-batch");
    assertEquals(ExperimentSetting.named("in-batch-logq").negatives().withSkipAbove(3),
        ExperimentSetting.named("in-batch-logq+skip-above").negatives());
    assertEquals(cache.negatives().withSkipAbove(9),
        ExperimentSetting.named("cache-16384-top64-oldest1024+skip-above9").negatives(), "+skip-aboveN takes N");
  }

  @Test
  void theSuffixTwiceOrOnAnUnknownSettingIsRefused() {
    for (String name : List.of("in-batch+skip-above+skip-above", "nope+skip-above", "+skip-above",
        "in-batch+skip-above0", "in-batch+skip-above100")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentSetting.named(name));
      assertTrue(e.getMessage().startsWith("unknown setting '" + name + "'"), e.getMessage());
    }
  }
}
