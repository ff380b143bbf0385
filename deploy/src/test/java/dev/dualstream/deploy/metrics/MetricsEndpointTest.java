package dev.dualstream.deploy.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/**
 * A metrics endpoint serves what its callbacks read at scrape time, and Kafka's metrics under legal
 * Prometheus names and labels, in text that promtool accepts.
 */
class MetricsEndpointTest {

  @Test
  void servesCallbacksAndKafkaMetricsAsPromtoolAcceptsThem() throws Exception {
    AtomicLong searches = new AtomicLong(3);
    Map<MetricName, Metric> kafka = new LinkedHashMap<>();
    put(kafka, "records-consumed-total", "consumer-fetch-manager-metrics", Map.of("client-id", "c-1"), 42.0);
    put(kafka, "records-consumed-total", "consumer-fetch-manager-metrics", Map.of("client-id", "c-2"), 7.0);
    put(kafka, "process-rate", "stream-thread-metrics", Map.of("thread-id", "t 1"), Double.NaN);
    put(kafka, "version", "app-info", Map.of(), "4.2.0");
    put(kafka, "io-wait-time-ns-total", "consumer-metrics", Map.of("client-id", "c-1"), 1.5e9);
    put(kafka, "connection-count", "consumer-metrics", Map.of("client-id", "c-1"), 2.0);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start(0)
        .counter("dualstream_test_searches", "Searches so far.", searches::get)
        .gauge("dualstream_test_serving_version", "The version serving.", () -> 7)
        .register(new KafkaMetricsCollector("kafka", () -> kafka))) {
      searches.set(5);
      String text = Promtool.scrape(endpoint.port());

      assertTrue(text.contains("dualstream_test_searches_total 5.0"), text);
      assertTrue(text.contains("dualstream_test_serving_version 7.0"), text);
      assertTrue(text.contains("kafka_consumer_fetch_manager_metrics_records_consumed_total{client_id=\"c-1\"} 42.0"),
          text);
      assertTrue(text.contains("client_id=\"c-2\"} 7.0"), text);
      assertTrue(text.contains("kafka_stream_thread_metrics_process_rate{thread_id=\"t 1\"} NaN"), text);
      assertTrue(!text.contains("app_info_version"), "not a number: left out\n" + text);
      assertTrue(text.contains("kafka_consumer_metrics_io_wait_time_seconds_total{client_id=\"c-1\"} 1.5"), text);
      assertTrue(text.contains("kafka_consumer_metrics_connection_count_current{client_id=\"c-1\"} 2.0"), text);
      Promtool.assertAccepts(text);
    }
  }

  private static void put(Map<MetricName, Metric> metrics, String name, String group, Map<String, String> tags,
      Object value) {
    MetricName metricName = new MetricName(name, group, "", tags);
    metrics.put(metricName, new Metric() {
      @Override
      public MetricName metricName() {
        return metricName;
      }

      @Override
      public Object metricValue() {
        return value;
      }
    });
  }
}
