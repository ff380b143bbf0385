package dev.dualstream.deploy.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Kafka's client metrics (a Kafka Streams instance's, a producer's, a consumer's) for Prometheus, read when
 * scraped: {@code <prefix>_<group>_<name>} with the metric's tags as labels, every character Prometheus does
 * not allow in a name turned into '_', units spelled out ({@link #conventional}); Kafka's cumulative {@code
 * -total} metrics as counters, the rest as gauges. Metrics whose value is not a number (versions, ids) are left out.
 */
public final class KafkaMetricsCollector implements MultiCollector {
  private final String prefix;
  private final Supplier<? extends Map<MetricName, ? extends Metric>> metrics;

  public KafkaMetricsCollector(String prefix, Supplier<? extends Map<MetricName, ? extends Metric>> metrics) {
    this.prefix = prefix;
    this.metrics = metrics;
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Map<Labels, Double>> byName = new TreeMap<>();
    Map<String, String> help = new LinkedHashMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
      Object value = e.getValue().metricValue();
      if (!(value instanceof Number number)) {
        continue;
      }
      MetricName m = e.getKey();
      String raw = sanitize(prefix + "_" + m.group() + "_" + m.name());
      String name = conventional(raw);
      double scale = scale(raw);
      List<String> keys = new ArrayList<>();
      List<String> values = new ArrayList<>();
      new TreeMap<>(m.tags()).forEach((k, v) -> {
        keys.add(sanitize(k));
        values.add(v);
      });
      byName.computeIfAbsent(name, n -> new LinkedHashMap<>()).putIfAbsent(Labels.of(keys, values),
          number.doubleValue() * scale);
      help.putIfAbsent(name, m.description().isBlank() ? m.group() + " " + m.name() : m.description());
    }
    List<MetricSnapshot> snapshots = new ArrayList<>(byName.size());
    byName.forEach((name, points) -> {
      if (name.endsWith(TOTAL)) {
        // Kafka's "-total" metrics are cumulative sums: counters, named without the suffix the format adds
        CounterSnapshot.Builder counter = CounterSnapshot.builder()
            .name(name.substring(0, name.length() - TOTAL.length())).help(help.get(name));
        points.forEach((labels, v) -> counter.dataPoint(
            CounterSnapshot.CounterDataPointSnapshot.builder().value(v).labels(labels).build()));
        snapshots.add(counter.build());
      } else {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help.get(name));
        points.forEach((labels, v) -> gauge.dataPoint(
            GaugeSnapshot.GaugeDataPointSnapshot.builder().value(v).labels(labels).build()));
        snapshots.add(gauge.build());
      }
    });
    return new MetricSnapshots(snapshots);
  }

  private static final String TOTAL = "_total";

  /** Time units in Kafka's names, in seconds: Prometheus's conventions want base units, spelled out. */
  private static final Map<String, Double> TIME_UNITS = Map.of("ns", 1e-9, "us", 1e-6, "ms", 1e-3, "s", 1.0,
      "sec", 1.0);

  /**
   * A Kafka metric's name as Prometheus's conventions (promtool's lint) want it: time in seconds ({@code
   * io_time_ns_avg} becomes {@code io_time_seconds_avg}, its value scaled by {@link #scale}), and no {@code
   * _count} suffix on what is not a histogram or summary ({@code connection_count} becomes {@code
   * connection_count_current}).
   */
  static String conventional(String name) {
    StringBuilder out = new StringBuilder(name.length() + 16);
    for (String token : name.split("_", -1)) {
      if (out.length() > 0) {
        out.append('_');
      }
      out.append(TIME_UNITS.containsKey(token) ? "seconds" : token);
    }
    return out.toString().endsWith("_count") ? out + "_current" : out.toString();
  }

  /** What a value of the metric so named is multiplied by to be in seconds: 1 for a name without a time unit. */
  static double scale(String name) {
    for (String token : name.split("_")) {
      Double seconds = TIME_UNITS.get(token);
      if (seconds != null) {
        return seconds;
      }
    }
    return 1;
  }

  /** A legal Prometheus metric or label name: letters, digits and '_', not starting with a digit. */
  static String sanitize(String raw) {
    String s = raw.replaceAll("[^A-Za-z0-9_]", "_");
    return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "_" + s : s;
  }
}
