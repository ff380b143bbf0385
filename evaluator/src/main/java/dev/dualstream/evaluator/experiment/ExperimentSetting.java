package dev.dualstream.evaluator.experiment;

import dev.dualstream.trainer.negatives.NegativeConfig;
import dev.dualstream.trainer.negatives.NegativeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One way of choosing negatives that the negatives experiment compares, by name.
 *
 * @param name how the setting is reported and selected
 * @param negatives the trainer's negative sources for it
 */
public record ExperimentSetting(String name, NegativeConfig negatives) {

  /**
   * The suffix that adds the logs' skip-above negatives to any setting: the {@value #SKIP_ABOVE_DOCUMENTS}
   * documents shown nearest above the click and not clicked.
   */
  public static final String SKIP_ABOVE_SUFFIX = "+skip-above";
  /** Skip-above documents per example that {@link #SKIP_ABOVE_SUFFIX} adds; {@code +skip-aboveN} adds N. */
  public static final int SKIP_ABOVE_DOCUMENTS = 3;
  private static final Pattern SKIP_ABOVE = Pattern.compile("(.*)\\+skip-above(\\d{0,2})");

  /** Cache settings by shape: {@code [in-batch+]cache-M[-topK][-oldestR]}. */
  private static final Pattern CACHE = Pattern.compile("(in-batch\\+)?cache-(\\d+)(?:-top(\\d+))?(?:-oldest(\\d+))?");

  /** The cache size, or null without a cache. */
  public Integer cacheSize() {
    return negatives.cacheSize() == 0 ? null : negatives.cacheSize();
  }

  /**
   * Steps within which every cache entry is re-encoded at least once in the standard cache settings:
   * they re-encode their {@code M / 16} oldest entries per step. Without it, entries age for
   * hundreds of steps and their stale embeddings drift to a relative squared error of 0.13 to 0.20
   * against fresh ones; at 16 steps it stays under 0.05, for {@code M / 16} extra document
   * encodings per step.
   */
  public static final int REFRESH_PERIOD_STEPS = 16;

  /**
   * The settings of the issue, in order: in-batch only; the cache alone (the paper's loss) with M in
   * {4096, 16384, 65536}; the cache at the ablation size with top-k 64, and without writing back
   * the fresh embeddings of drawn entries; softmax over the whole corpus (a cache holding every
   * document), re-encoded every {@code corpusRefreshSteps} and written back with drawn negatives and
   * positives in between. Every cache setting also re-encodes its oldest entries ({@link
   * #REFRESH_PERIOD_STEPS}).
   */
  public static List<ExperimentSetting> standard(int ablationCacheSize, int corpusRefreshSteps) {
    NegativeConfig inBatch = NegativeConfig.defaults();
    List<ExperimentSetting> settings = new ArrayList<>();
    settings.add(new ExperimentSetting("in-batch", inBatch));
    for (int m : new int[] {4096, 16384, 65536}) {
      settings.add(parse(refreshed("cache-" + m, m)));
    }
    settings.add(parse(refreshed("cache-" + ablationCacheSize + "-top64", ablationCacheSize)));
    ExperimentSetting noWriteBack = parse(refreshed("cache-" + ablationCacheSize, ablationCacheSize));
    settings.add(new ExperimentSetting(noWriteBack.name() + "-no-writeback",
        noWriteBack.negatives().withCacheRefresh(false, noWriteBack.negatives().cacheRefreshOldest())));
    settings.add(new ExperimentSetting("full-softmax", inBatch.withCorpus(corpusRefreshSteps).withInBatch(false)));
    return settings;
  }

  private static String refreshed(String name, int cacheSize) {
    return name + "-oldest" + Math.max(1, cacheSize / REFRESH_PERIOD_STEPS);
  }

  /**
   * Further settings one can ask for by name: in-batch and cache together; the paper's cache
   * without re-encoding its oldest entries; in-batch with the logQ correction; in-batch plus
   * skip-above or uniform negatives.
   */
  public static List<ExperimentSetting> extras(int ablationCacheSize) {
    NegativeConfig inBatch = NegativeConfig.defaults();
    return List.of(
        new ExperimentSetting("in-batch+cache-" + ablationCacheSize, inBatch.withCache(ablationCacheSize, 0)),
        new ExperimentSetting("cache-" + ablationCacheSize, cacheOnly(ablationCacheSize, 0)),
        new ExperimentSetting("in-batch-logq", inBatch.withLogQ(NegativeSource.IN_BATCH)),
        new ExperimentSetting("in-batch" + SKIP_ABOVE_SUFFIX, inBatch.withSkipAbove(SKIP_ABOVE_DOCUMENTS)),
        new ExperimentSetting("in-batch+uniform", inBatch.withUniform(8)));
  }

  /**
   * A cache setting named by its shape, {@code [in-batch+]cache-M[-topK][-oldestR]}: with in-batch
   * negatives or alone, capacity M, exact or top-k sampling, re-encoding its R oldest entries per
   * step or not; null for any other name.
   */
  static ExperimentSetting parse(String name) {
    Matcher m = CACHE.matcher(name);
    if (!m.matches()) {
      return null;
    }
    try {
      int size = Integer.parseInt(m.group(2));
      int topK = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
      int oldest = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
      NegativeConfig negatives = NegativeConfig.defaults().withCache(size, topK).withInBatch(m.group(1) != null)
          .withCacheRefresh(true, oldest);
      negatives.validated();
      return new ExperimentSetting(name, negatives);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("setting '" + name + "': "
          + (e instanceof NumberFormatException ? "a number is out of range" : e.getMessage()), e);
    }
  }

  /**
   * One setting by name, as {@link #select} knows it, with the default ablation cache size (16384)
   * and corpus refresh (every 500 steps): for choosing a training job's negatives.
   *
   * @throws IllegalArgumentException naming the known settings, for an unknown name
   */
  public static ExperimentSetting named(String name) {
    return select(List.of(name), 16_384, 500).get(0);
  }

  /**
   * The named settings, in the order given; all standard ones for an empty list. Besides the
   * standard and extra names, any {@code [in-batch+]cache-M[-topK][-oldestR]} is a setting, and any
   * setting followed by {@value #SKIP_ABOVE_SUFFIX} (or {@code +skip-aboveN}) is that setting with 3 (or N)
   * skip-above negatives.
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
      ExperimentSetting setting = lookUp(name.trim(), known);
      if (setting == null) {
        throw new IllegalArgumentException("unknown setting '" + name.trim() + "'; known: "
            + String.join(", ", known.keySet()) + ", or any cache-M[-topK][-oldestR], each also with "
            + SKIP_ABOVE_SUFFIX + " after it");
      }
      chosen.add(setting);
    }
    return chosen;
  }

  private static ExperimentSetting lookUp(String name, Map<String, ExperimentSetting> known) {
    if (known.containsKey(name)) {
      return known.get(name);
    }
    Matcher skip = SKIP_ABOVE.matcher(name);
    if (skip.matches()) {
      ExperimentSetting base = lookUp(skip.group(1), known);
      int documents = skip.group(2).isEmpty() ? SKIP_ABOVE_DOCUMENTS : Integer.parseInt(skip.group(2));
      return base == null || base.negatives().skipAbove() > 0 || documents < 1 ? null
          : new ExperimentSetting(name, base.negatives().withSkipAbove(documents));
    }
    return parse(name);
  }

  private static NegativeConfig cacheOnly(int size, int topK) {
    return NegativeConfig.defaults().withCache(size, topK).withInBatch(false);
  }
}
