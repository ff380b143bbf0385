package dev.dualstream.deploy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs {@code promtool check metrics} (Debian's {@code prometheus} package; {@code .ci/run} installs it) on
 * scraped text. Where promtool cannot be had the test is skipped, visibly, with the reason.
 */
public final class Promtool {
  private static final Path BINARY = Path.of("/usr/bin/promtool");
  /** promtool's exit status when the text parses but breaks a naming convention. */
  private static final int LINT_PROBLEMS = 3;

  private Promtool() {}

  /** The text a metrics endpoint on this machine serves. */
  public static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), "GET /metrics on port " + port);
    return response.body();
  }

  /** Fails with promtool's words unless it accepts the text; skips the test where promtool is missing. */
  public static void assertAccepts(String text) throws IOException, InterruptedException {
    assertAccepts(text, problem -> false);
  }

  /** Whether promtool is here to check with. */
  public static boolean available() {
    return Files.isExecutable(BINARY);
  }

  /**
   * As {@link #assertAccepts(String)}, except that lint problems (promtool's exit status 3) that {@code
   * tolerated} accepts, line by line, pass; the text must still parse (status 1 fails whatever it says).
   */
  public static void assertAccepts(String text, Predicate<String> tolerated) throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(BINARY), "promtool is not installed (Debian package prometheus); "
        + "the exposition text was not checked");
    Process p = new ProcessBuilder(BINARY.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not answer within 60 s");
    if (p.exitValue() == LINT_PROBLEMS && said.lines().filter(l -> !l.isBlank()).allMatch(tolerated)) {
      return;
    }
    assertEquals(0, p.exitValue(), "promtool check metrics:\n" + said + "\non:\n" + text);
  }
}
