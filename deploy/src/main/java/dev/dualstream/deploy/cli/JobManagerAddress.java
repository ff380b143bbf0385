package dev.dualstream.deploy.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A Flink JobManager's REST endpoint, {@code HOST:PORT}, as {@code --jobmanager} takes it. */
record JobManagerAddress(String host, int port) {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

  /** @throws UserError naming {@code option} when {@code value} is not {@code HOST:PORT} with a port 1-65535 */
  static JobManagerAddress parse(String option, String value) {
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? "" : value.substring(0, colon);
    int port = -1;
    if (colon >= 0 && value.substring(colon + 1).matches("[0-9]{1,5}")) {
      port = Integer.parseInt(value.substring(colon + 1));
    }
    if (host.isBlank() || host.contains("/") || port < 1 || port > 65_535) {
      throw new UserError(option + " " + value + ": expected HOST:PORT, the JobManager's REST address "
          + "(e.g. 127.0.0.1:8081)");
    }
    return new JobManagerAddress(host, port);
  }

  /** @throws UserError naming {@code option} unless a Flink JobManager answers here within 5 s */
  void requireAnswers(String option) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_TIMEOUT).build();
    String problem;
    try {
      HttpResponse<String> overview = http.send(HttpRequest.newBuilder(URI.create("http://" + this + "/overview"))
          .timeout(ANSWER_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (overview.statusCode() == 200 && overview.body().contains("\"flink-version\"")) {
        return;
      }
      problem = "answers HTTP " + overview.statusCode() + ", but not as a Flink JobManager";
    } catch (IOException | IllegalArgumentException e) {
      problem = "no Flink JobManager answers (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted";
    }
    throw new UserError(option + " " + this + ": " + problem + "; start a cluster with `dualstream cluster`, or "
        + "leave --jobmanager out to train in this process");
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
