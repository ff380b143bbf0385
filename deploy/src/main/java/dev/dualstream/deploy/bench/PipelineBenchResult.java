package dev.dualstream.deploy.bench;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one run of {@link PipelineBenchmark} measured. JSON keys are the snake_case field names.
 *
 * @param bareExamplesPerS the bare training loop on in-memory batches, same model and threads: the
 *     median of its windows
 * @param pipelineExamplesPerS the whole path draining a backlog after its warm-up: the median of
 *     its timed stretches
 * @param ratio the median of the paired ratios: the measure of how little the plumbing costs
 * @param bareWindowExamplesPerS each bare-loop window's rate, in the order they ran
 * @param pipelineStretchExamplesPerS each stretch's rate; stretch k ran between bare windows k and
 *     k + 1
 * @param pairedRatios each stretch's rate over the mean of the two bare windows around it
 * @param backlog examples replayed before the job started
 * @param rate examples per second replayed in the freshness phase
 * @param freshnessSamples examples measured in the freshness window
 * @param freshnessP50Ms median click-to-step freshness
 * @param freshnessP99Ms 99th percentile click-to-step freshness
 * @param freshnessMaxMs largest click-to-step freshness
 * @param freshnessWindowS seconds of steps the freshness figures cover
 * @param replayAppliedPerSecond examples the trainer applied per second during the measured replay
 * @param decodeParallelism parallel decode-and-featurize subtasks
 * @param buckets rows of the model's embedding table
 * @param batchSize pairs per step
 * @param threads compute threads of the trainer
 * @param feederNice nice value of the job's source and decoder threads (0: same as the step's)
 * @param checkpointIntervalS checkpoint interval of the job
 * @param loadAverageStart one-minute load average before the run
 * @param loadAverageEnd one-minute load average after the run
 * @param cpuMicrosPerExample CPU time of this process per example in the timed stretches of the
 *     job, by the role of the threads that spent it (the broker's child process not included)
 * @param featureCacheHitRate hit rate of a decoding subtask's feature cache at the end of the
 *     throughput phase (-1: no cache); the replay cycles through the split's pairs, so after the
 *     first cycle every text has been seen
 * @param trainerBusyShare share of the timed stretches' wall time that the training thread spent
 *     in steps rather than between them (waiting for a batch, or snapshotting, publishing, reporting)
 * @param bareCpuMicrosPerExample CPU time of this process per example during the bare loop's turns
 *     after its warm-up (the held job's idle threads included)
 * @param fullCheckpointEvery the job's incremental checkpoints: a full one every N (0: every one full)
 * @param checkpointBytes per checkpoint taken in the freshness phase, in order: the bytes of the trainer's state
 *     it wrote (a link, when incremental)
 * @param checkpointRows per checkpoint: the table rows it wrote (those changed since the previous link, with
 *     their optimizer state; every row when whole), over the trainer's models
 * @param checkpointMs per checkpoint: milliseconds of the trainer's snapshot, waiting for queued steps included
 * @param checkpointBlockedMs per checkpoint: milliseconds the training thread spent writing it instead of training
 * @param checkpointInWindow per checkpoint: whether its barrier reached the trainer inside the measured freshness
 *     window
 * @param versionEverySteps the job published a model version every this many steps
 * @param clickToVersion per example of the freshness window, the time from its event time to the moment a
 *     reader of committed data saw the first version that contains it; in JSON as {@code click_to_version_*}
 */
public record PipelineBenchResult(
    double bareExamplesPerS,
    double pipelineExamplesPerS,
    double ratio,
    List<Double> bareWindowExamplesPerS,
    List<Double> pipelineStretchExamplesPerS,
    List<Double> pairedRatios,
    long backlog,
    double rate,
    long freshnessSamples,
    double freshnessP50Ms,
    double freshnessP99Ms,
    double freshnessMaxMs,
    double freshnessWindowS,
    double replayAppliedPerSecond,
    int decodeParallelism,
    int buckets,
    int batchSize,
    int threads,
    int feederNice,
    long checkpointIntervalS,
    double loadAverageStart,
    double loadAverageEnd,
    Map<String, Double> cpuMicrosPerExample,
    double featureCacheHitRate,
    double trainerBusyShare,
    double bareCpuMicrosPerExample,
    int fullCheckpointEvery,
    List<Long> checkpointBytes,
    List<Long> checkpointRows,
    List<Long> checkpointMs,
    List<Long> checkpointBlockedMs,
    List<Boolean> checkpointInWindow,
    int versionEverySteps,
    @JsonUnwrapped(prefix = "click_to_version_") ClickToVersion.Figures clickToVersion) {

  public PipelineBenchResult {
    bareWindowExamplesPerS = List.copyOf(bareWindowExamplesPerS);
    pipelineStretchExamplesPerS = List.copyOf(pipelineStretchExamplesPerS);
    pairedRatios = List.copyOf(pairedRatios);
    cpuMicrosPerExample = Collections.unmodifiableMap(new LinkedHashMap<>(cpuMicrosPerExample));
    checkpointBytes = List.copyOf(checkpointBytes);
    checkpointRows = List.copyOf(checkpointRows);
    checkpointMs = List.copyOf(checkpointMs);
    checkpointBlockedMs = List.copyOf(checkpointBlockedMs);
    checkpointInWindow = List.copyOf(checkpointInWindow);
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  /** The figures as a JSON object. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the benchmark result as JSON", e);
    }
  }

  /** A few lines for a person. */
  public String summary() {
    return String.format(Locale.ROOT, "steady state: pipeline %.0f examples/s, bare loop %.0f examples/s"
        + " (medians), ratio %.2f: the median of %d paired ratios %s (backlog of %,d examples)%n"
        + "click-to-step freshness at %.0f examples/s: p50 %.0f ms, p99 %.0f ms, max %.0f ms"
        + " (%,d examples, last %.0f s; trainer applied %.0f examples/s)%n"
        + "setup: train's default model with %,d buckets, batch %d, %d compute threads, %d decode subtasks at nice %d, checkpoints every"
        + " %d s;"
        + " load %.2f before, %.2f after; feature cache hit rate %.3f; trainer in steps %.1f%% of the time%n"
        + "click-to-version, a version every %d steps: %s%n"
        + "checkpoints in the freshness phase%s: %s%n"
        + "CPU us per example in the throughput phase (bare loop: %.1f): %s",
        pipelineExamplesPerS, bareExamplesPerS, ratio, pairedRatios.size(), ratios(), backlog, rate, freshnessP50Ms,
        freshnessP99Ms,
        freshnessMaxMs, freshnessSamples, freshnessWindowS, replayAppliedPerSecond, buckets, batchSize, threads,
        decodeParallelism, feederNice, checkpointIntervalS, loadAverageStart, loadAverageEnd, featureCacheHitRate,
        100 * trainerBusyShare, versionEverySteps, clickToVersion, fullCheckpointEvery == 0 ? " (each whole)" : " (incremental, full every "
            + fullCheckpointEvery + ")", checkpointText(), bareCpuMicrosPerExample, cpuText());
  }

  private String ratios() {
    StringBuilder text = new StringBuilder("[");
    for (double r : pairedRatios) {
      text.append(text.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.2f", r));
    }
    return text.append(']').toString();
  }

  private String checkpointText() {
    if (checkpointBytes.isEmpty()) {
      return "none";
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < checkpointBytes.size(); i++) {
      text.append(String.format(Locale.ROOT, "%s%.1f MB (%,d rows) in %d ms, %d ms blocked%s", i == 0 ? "" : "; ",
          checkpointBytes.get(i) / 1048576.0, checkpointRows.get(i), checkpointMs.get(i), checkpointBlockedMs.get(i),
          checkpointInWindow.get(i) ? " (in the window)" : ""));
    }
    return text.toString();
  }

  private String cpuText() {
    StringBuilder text = new StringBuilder();
    cpuMicrosPerExample.forEach((role, micros) ->
        text.append(String.format(Locale.ROOT, "%n  %7.1f  %s", micros, role)));
    return text.toString();
  }
}
