package dev.dualstream.evaluator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  private static final List<HtmlReport.Chart> CHARTS = List.of(
      new HtmlReport.Chart("Recall@10", "examples", "Recall@10", List.of(
          new HtmlReport.Series("dense, every 10", new double[] {640, 1280, 1920}, new double[] {0.3, 0.4, 0.5}),
          new HtmlReport.Series("dense, every 30", new double[] {1920}, new double[] {0.45}))),
      new HtmlReport.Chart("MRR@10 </script>", "examples", "MRR@10", List.of(
          new HtmlReport.Series("bm25", new double[] {640, 1920}, new double[] {0.7, 0.7}))),
      new HtmlReport.Chart("Recall@10 over event time", "event time", "Recall@10", List.of(
          new HtmlReport.Series("dense", new double[] {1.7e9, 1.7e9 + 3600}, new double[] {0.3, 0.5})),
          HtmlReport.XAxis.TIME));
  private static final List<HtmlReport.Table> TABLES = List.of(new HtmlReport.Table("Versions",
      List.of("version", "dense"), List.of(List.of("1", "0.300"), List.of("2 | <b>", "0.400"))));

  @TempDir Path dir;

  /** uPlot wants one x array per chart: the union of the series' x, a series' missing points null. */
  @Test
  void seriesAreAlignedOnTheUnionOfTheirXValues() throws Exception {
    JsonNode charts = new ObjectMapper().readTree(HtmlReport.chartsJson(CHARTS).replace("<\\/", "</"));
    JsonNode data = charts.get(0).get("data");
    assertEquals("[640.0,1280.0,1920.0]", data.get(0).toString());
    assertEquals("[0.3,0.4,0.5]", data.get(1).toString());
    assertEquals("[null,null,0.45]", data.get(2).toString());
    assertEquals("MRR@10 </script>", charts.get(1).get("title").asText());
    assertFalse(charts.get(0).get("time").asBoolean(), "examples are plain numbers");
    assertTrue(charts.get(2).get("time").asBoolean(), "event times are drawn as dates");
  }

  /** Past the ten colours of the palette, series repeat them dashed, so that twenty stay apart. */
  @Test
  void seriesPastThePaletteAreDashed() throws Exception {
    List<HtmlReport.Series> many = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      many.add(new HtmlReport.Series("s" + i, new double[] {1}, new double[] {i}));
    }
    JsonNode series = new ObjectMapper().readTree(HtmlReport.chartsJson(List.of(
        new HtmlReport.Chart("many", "x", "y", many)))).get(0).get("series");
    assertFalse(series.get(0).get("dash").asBoolean());
    assertTrue(series.get(10).get("dash").asBoolean());
    assertEquals(series.get(0).get("colour"), series.get(10).get("colour"));
  }

  @Test
  void thePageIsSelfContainedAndTheSummaryHoldsTheTables() throws Exception {
    HtmlReport.write(dir, "Replay of <demo>", "Every version.", CHARTS, TABLES);
    String html = Files.readString(dir.resolve("index.html"));
    assertTrue(html.contains("uPlot"), "uPlot inlined");
    assertFalse(Pattern.compile("<script[^>]+src=|<link[^>]+href=").matcher(html).find(), "nothing fetched");
    assertEquals(2, count(html, "</script>"), "uPlot and the page's script; no data closes a script early");
    assertTrue(html.contains("Replay of &lt;demo&gt;") && html.contains("2 | &lt;b&gt;"));
    String md = Files.readString(dir.resolve("summary.md"));
    assertTrue(md.contains("| version | dense |\n|---|---|\n| 1 | 0.300 |\n| 2 \\| <b> | 0.400 |"), md);
  }

  /** In a real browser the charts render: uPlot builds one plot, with its canvas, per chart. */
  @Test
  void theChartsRenderInHeadlessChromium() throws Exception {
    Optional<String> browser = Stream.of("chromium", "chromium-browser", "google-chrome", "chrome")
        .filter(HtmlReportTest::onPath).findFirst();
    Assumptions.assumeTrue(browser.isPresent(), "skipped: no headless Chromium on this machine (.ci/run installs"
        + " Debian's chromium where it can)");
    HtmlReport.write(dir, "Replay", "Every version.", CHARTS, TABLES);
    Process p = new ProcessBuilder(browser.get(), "--headless", "--disable-gpu", "--no-sandbox",
        "--virtual-time-budget=5000", "--dump-dom", dir.resolve("index.html").toUri().toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] dom = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the browser finished");
    String rendered = new String(dom, StandardCharsets.UTF_8);
    assertEquals(CHARTS.size(), count(rendered, "class=\"uplot"), rendered.length() > 2000
        ? rendered.substring(0, 2000) : rendered);
    assertTrue(count(rendered, "<canvas") >= CHARTS.size(), "every chart drew on a canvas");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static int count(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
