package dev.dualstream.deploy.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * A component's Prometheus endpoint: {@code http://HOST:PORT/metrics} in the text exposition format, served by
 * the Prometheus Java client's HTTP server from a registry of its own. Metrics read their values when scraped
 * (callbacks), so the component keeps counting as it did and nothing is copied on its hot path.
 */
public final class MetricsEndpoint implements AutoCloseable {
  /** Each component's default port, one apart, so that all of them run side by side on one machine. */
  public static final int INGEST_PORT = 9250;
  public static final int TRAIN_PORT = 9251;
  public static final int SIMULATE_PORT = 9252;
  public static final int EVALUATE_PORT = 9253;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final HTTPServer server;

  private MetricsEndpoint(int port) throws IOException {
    this.server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
  }

  /**
   * Serves on {@code port} (0: any free port).
   *
   * @throws IllegalArgumentException if the port cannot be bound (in use, say)
   */
  public static MetricsEndpoint start(int port) {
    try {
      return new MetricsEndpoint(port);
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** The port it serves on. */
  public int port() {
    return server.getPort();
  }

  /** A counter (only ever grows) read from {@code value}; {@code name} without the {@code _total} suffix. */
  public MetricsEndpoint counter(String name, String help, DoubleSupplier value) {
    CounterWithCallback.builder().name(name).help(help).callback(c -> c.call(value.getAsDouble())).register(registry);
    return this;
  }

  /** A gauge read from {@code value}. */
  public MetricsEndpoint gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(c -> c.call(value.getAsDouble())).register(registry);
    return this;
  }

  /** A gauge with one label, one data point per entry of what {@code values} returns when scraped. */
  public MetricsEndpoint gauge(String name, String help, String label, Supplier<Map<String, Double>> values) {
    GaugeWithCallback.builder().name(name).help(help).labelNames(label)
        .callback(c -> values.get().forEach((key, value) -> c.call(value, key))).register(registry);
    return this;
  }

  /** A counter with one label, one data point per entry of what {@code values} returns when scraped. */
  public MetricsEndpoint counter(String name, String help, String label, Supplier<Map<String, Double>> values) {
    CounterWithCallback.builder().name(name).help(help).labelNames(label)
        .callback(c -> values.get().forEach((key, value) -> c.call(value, key))).register(registry);
    return this;
  }

  /** Metrics whose names and labels are only known when scraped. */
  public MetricsEndpoint register(MultiCollector collector) {
    registry.register(collector);
    return this;
  }

  @Override
  public void close() {
    server.close();
  }
}
