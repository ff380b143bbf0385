package dev.dualstream.deploy.bench;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter that keeps the live metric objects of a job running in this JVM (a
 * MiniCluster), by name, so that the pipeline benchmark reads the trainer's counters and histograms
 * directly instead of through a topic that only commits at checkpoints. Registered under {@link
 * #KEY} with {@link #configure}.
 */
public final class BenchMetrics implements MetricReporter {

  /** The reporter's name in Flink's configuration. */
  static final String KEY = "dualstream-bench";

  private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

  /** The most recently registered metric of that name, if any. */
  static Optional<Metric> get(String name) {
    return Optional.ofNullable(METRICS.get(name));
  }

  /** Forgets every metric (between runs in one JVM). */
  static void clear() {
    METRICS.clear();
  }

  /** Adds this reporter to a Flink configuration. */
  static void configure(Configuration conf) {
    conf.set(ConfigOptions.key("metrics.reporter." + KEY + ".factory.class").stringType().noDefaultValue(),
        Factory.class.getName());
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {}

  @Override
  public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
    METRICS.put(name, metric);
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
    METRICS.remove(name, metric);
  }

  /** Found by Flink through {@code META-INF/services}. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new BenchMetrics();
    }
  }
}
