package dev.dualstream.deploy.experiment;

import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One way of choosing negatives that the negatives experiment compares, by name.
 *
 * @param name how the setting is reported and selected
 * @param negatives the trainer's negative sources for it
 */
public record ExperimentSetting(String name, NegativeConfig negatives) {

  /** The cache size, or null without a cache. */
  public Integer cacheSize() {
    return negatives.cacheSize() == 0 ? null : negatives.cacheSize();
  }

  /**
   * The settings of the issue, in order: in-batch only; the cache alone (the paper's loss) with M in
   * {4096, 16384, 65536}; the cache at the ablation size with top-k 64, and without refreshing drawn
   * entries; softmax over the whole corpus (a cache holding every document), re-encoded every
   * {@code corpusRefreshSteps} and written back with drawn negatives and positives in between.
   */
  public static List<ExperimentSetting> standard(int ablationCacheSize, int corpusRefreshSteps) {
    NegativeConfig inBatch = NegativeConfig.defaults();
    List<ExperimentSetting> settings = new ArrayList<>();
    settings.add(new ExperimentSetting("in-batch", inBatch));
    for (int m : new int[] {4096, 16384, 65536}) {
      settings.add(new ExperimentSetting("cache-" + m, cacheOnly(m, 0)));
    }
    settings.add(new ExperimentSetting("cache-" + ablationCacheSize + "-top64", cacheOnly(ablationCacheSize, 64)));
    settings.add(new ExperimentSetting("cache-" + ablationCacheSize + "-no-refresh",
        cacheOnly(ablationCacheSize, 0).withCacheRefresh(false, 0)));
    settings.add(new ExperimentSetting("full-softmax", inBatch.withCorpus(corpusRefreshSteps).withInBatch(false)));
    return settings;
  }

  /**
   * Further settings one can ask for by name: in-batch and cache together; the cache refreshing its
   * 64 oldest entries per step as well (fresher, at 64 more encodings per step); in-batch with the
   * logQ correction; in-batch plus skip-above or uniform negatives.
   */
  public static List<ExperimentSetting> extras(int ablationCacheSize) {
    NegativeConfig inBatch = NegativeConfig.defaults();
    return List.of(
        new ExperimentSetting("in-batch+cache-" + ablationCacheSize, inBatch.withCache(ablationCacheSize, 0)),
        new ExperimentSetting("cache-16384-oldest64", cacheOnly(16384, 0).withCacheRefresh(true, 64)),
        new ExperimentSetting("cache-65536-oldest64", cacheOnly(65536, 0).withCacheRefresh(true, 64)),
        new ExperimentSetting("in-batch-logq", inBatch.withLogQ(NegativeSource.IN_BATCH)),
        new ExperimentSetting("in-batch+skip-above", inBatch.withSkipAbove(3)),
        new ExperimentSetting("in-batch+uniform", inBatch.withUniform(8)));
  }

  /**
   * The named settings, in the order given; all standard ones for an empty list.
   *
   * @throws IllegalArgumentException naming the known settings, for an unknown name
   */
  public static List<ExperimentSetting> select(List<String> names, int ablationCacheSize, int corpusRefreshSteps) {
    List<ExperimentSetting> standard = standard(ablationCacheSize, corpusRefreshSteps);
    if (names.isEmpty()) {
      return standard;
    }
    Map<String, ExperimentSetting> known = new LinkedHashMap<>();
    standard.forEach(s -> known.put(s.name(), s));
    extras(ablationCacheSize).forEach(s -> known.put(s.name(), s));
    List<ExperimentSetting> chosen = new ArrayList<>();
    for (String name : names) {
      ExperimentSetting setting = known.get(name.trim());
      if (setting == null) {
        throw new IllegalArgumentException("unknown setting '" + name.trim() + "'; known: "
            + String.join(", ", known.keySet()));
      }
      chosen.add(setting);
    }
    return chosen;
  }

  private static NegativeConfig cacheOnly(int size, int topK) {
    return NegativeConfig.defaults().withCache(size, topK).withInBatch(false);
  }
}
