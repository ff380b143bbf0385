package dev.dualstream.trainer.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;

/**
 * What one run of {@link TrainerBenchmark} measured. JSON keys are the snake_case field names;
 * {@code examples_per_s} is the headline figure.
 *
 * @param examplesPerS median over the timed windows of examples per second
 * @param windowExamplesPerS each timed window's examples per second, in order
 * @param stepMsMedian median wall time of one timed step
 * @param forwardMsMean mean per timed step: pooling, towers, loss
 * @param backwardMsMean mean per timed step: backpropagation
 * @param optimizerMsMean mean per timed step: lazy row Adam and dense Adam
 * @param warmupSteps untimed steps before the windows
 * @param windowSteps steps per timed window
 * @param batchSize pairs per step
 * @param batches distinct batches, cycled through in order
 * @param threads native intra-op threads, and Java worker threads of the sparse step
 * @param touchedRowsMean mean distinct table rows per timed step
 * @param lossFirst loss of the first warm-up step
 * @param lossLast mean loss of the last timed window
 * @param peakHeapBytes summed heap pool peaks during the run (an upper bound)
 * @param peakRssBytes peak resident set of the process
 * @param device engine, device and thread setting of the trainer
 * @param cpu the processor's model name
 * @param cores processors the JVM sees
 * @param loadAverageStart one-minute load average before the run
 * @param loadAverageEnd one-minute load average after the run
 * @param config the model configuration, as JSON
 */
public record TrainerBenchResult(
    double examplesPerS,
    List<Double> windowExamplesPerS,
    double stepMsMedian,
    double forwardMsMean,
    double backwardMsMean,
    double optimizerMsMean,
    int warmupSteps,
    int windowSteps,
    int batchSize,
    int batches,
    int threads,
    double touchedRowsMean,
    double lossFirst,
    double lossLast,
    long peakHeapBytes,
    long peakRssBytes,
    String device,
    String cpu,
    int cores,
    double loadAverageStart,
    double loadAverageEnd,
    String config) {

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public TrainerBenchResult {
    windowExamplesPerS = List.copyOf(windowExamplesPerS);
  }

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
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "examples/s: %.0f (median of %d windows of %d steps; "
        + "windows %s)%n", examplesPerS, windowExamplesPerS.size(), windowSteps,
        windowExamplesPerS.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList()));
    s.append(String.format(Locale.ROOT, "step: %.2f ms median; mean forward %.2f ms, backward %.2f"
        + " ms, optimizer %.2f ms; %.0f distinct rows per step%n", stepMsMedian, forwardMsMean,
        backwardMsMean, optimizerMsMean, touchedRowsMean));
    s.append(String.format(Locale.ROOT, "loss: %.3f at the first step, %.3f over the last window%n",
        lossFirst, lossLast));
    s.append(String.format(Locale.ROOT, "peak memory: heap %.0f MiB, resident set %.0f MiB%n",
        peakHeapBytes / 1048576.0, peakRssBytes / 1048576.0));
    s.append(String.format(Locale.ROOT, "machine: %s, %d cores, load %.2f before, %.2f after; %s",
        cpu, cores, loadAverageStart, loadAverageEnd, device));
    return s.toString();
  }
}
