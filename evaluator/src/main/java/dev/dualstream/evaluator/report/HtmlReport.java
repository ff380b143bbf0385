package dev.dualstream.evaluator.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A self-contained report page: line charts drawn by uPlot (its script and style inlined, so the page opens
 * offline), tables, and the same tables as a Markdown summary beside it. Writes {@code DIR/index.html} and
 * {@code DIR/summary.md}.
 */
public final class HtmlReport {
  private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlReport() {}

  /** One line of a chart: y against x, point by point. */
  public record Series(String name, double[] x, double[] y) {
    public Series {
      Objects.requireNonNull(name, "name");
      if (x.length != y.length) {
        throw new IllegalArgumentException("series " + name + " has " + x.length + " x and " + y.length + " y values");
      }
    }
  }

  /** What a chart's x values are: plain numbers, or instants in epoch seconds drawn as UTC dates and times. */
  public enum XAxis { NUMBER, TIME }

  /** A chart of several series over one x axis. */
  public record Chart(String title, String xLabel, String yLabel, List<Series> series, XAxis xAxis) {
    public Chart {
      series = List.copyOf(series);
      Objects.requireNonNull(xAxis, "xAxis");
    }

    /** A chart over plain numbers. */
    public Chart(String title, String xLabel, String yLabel, List<Series> series) {
      this(title, xLabel, yLabel, series, XAxis.NUMBER);
    }
  }

  /** A table: a header row and rows of cells. */
  public record Table(String title, List<String> header, List<List<String>> rows) {
    public Table {
      header = List.copyOf(header);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /** Writes {@code dir/index.html} and {@code dir/summary.md} (the directory is created if missing). */
  public static void write(Path dir, String title, String intro, List<Chart> charts, List<Table> tables) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("index.html"), html(title, intro, charts, tables), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("summary.md"), markdown(title, intro, tables), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report in " + dir + ": " + e.getMessage(), e);
    }
  }

  static String html(String title, String intro, List<Chart> charts, List<Table> tables) {
    StringBuilder out = new StringBuilder();
    out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
        .append("</title>\n<style>").append(resource("uPlot.min.css"))
        .append("\nbody{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;"
            + "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            + "th:first-child,td:first-child{text-align:left}</style>\n<script>")
        .append(resource("uPlot.iife.min.js")).append("</script></head><body>\n<h1>").append(escape(title))
        .append("</h1>\n<p>").append(escape(intro)).append("</p>\n");
    for (int c = 0; c < charts.size(); c++) {
      out.append("<div class=\"chart\" id=\"chart-").append(c).append("\"></div>\n");
    }
    for (Table t : tables) {
      out.append("<h2>").append(escape(t.title())).append("</h2>\n<table><tr>");
      t.header().forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
      out.append("</tr>\n");
      for (List<String> row : t.rows()) {
        out.append("<tr>");
        row.forEach(cell -> out.append("<td>").append(escape(cell)).append("</td>"));
        out.append("</tr>\n");
      }
      out.append("</table>\n");
    }
    out.append("<script>\nconst charts = ").append(chartsJson(charts)).append(";\n")
        .append("charts.forEach((c, i) => new uPlot({title: c.title, width: 1000, height: 320,"
            + " scales: {x: {time: c.time}}, tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),"
            + " series: [{label: c.x}].concat(c.series.map(s => ({label: s.name,"
            + " stroke: s.colour, dash: s.dash ? [6, 4] : undefined, spanGaps: true, points: {show: true}}))), axes: [{label: c.x}, {label: c.y}]},"
            + " c.data, document.getElementById('chart-' + i)));\n</script>\n</body></html>\n");
    return out.toString();
  }

  /** Each chart's data as uPlot wants it: one x array (the union of the series' x) and one y array per series. */
  static String chartsJson(List<Chart> charts) {
    ArrayNode all = JSON.createArrayNode();
    for (Chart chart : charts) {
      ObjectNode c = all.addObject();
      c.put("title", chart.title());
      c.put("x", chart.xLabel());
      c.put("y", chart.yLabel());
      c.put("time", chart.xAxis() == XAxis.TIME);
      TreeSet<Double> xs = new TreeSet<>();
      chart.series().forEach(s -> {
        for (double x : s.x()) {
          xs.add(x);
        }
      });
      ArrayNode data = c.putArray("data");
      ArrayNode xAxis = data.addArray();
      xs.forEach(xAxis::add);
      ArrayNode series = c.putArray("series");
      for (int k = 0; k < chart.series().size(); k++) {
        Series s = chart.series().get(k);
        // Past the palette, colours repeat with dashed lines.
        series.addObject().put("name", s.name()).put("colour", COLOURS[k % COLOURS.length])
            .put("dash", (k / COLOURS.length) % 2 == 1);
        ArrayNode ys = data.addArray();
        for (double x : xs) {
          int at = indexOf(s.x(), x);
          if (at < 0 || Double.isNaN(s.y()[at])) {
            ys.addNull();
          } else {
            ys.add(s.y()[at]);
          }
        }
      }
    }
    // Inside a <script> element: no "</" may appear in the data.
    return all.toString().replace("</", "<\\/");
  }

  static String markdown(String title, String intro, List<Table> tables) {
    StringBuilder out = new StringBuilder("# ").append(title).append("\n\n").append(intro).append("\n");
    for (Table t : tables) {
      out.append("\n## ").append(t.title()).append("\n\n| ").append(String.join(" | ", t.header())).append(" |\n|");
      t.header().forEach(h -> out.append("---|"));
      out.append("\n");
      for (List<String> row : t.rows()) {
        out.append("| ").append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList()))
            .append(" |\n");
      }
    }
    return out.toString();
  }

  private static int indexOf(double[] values, double x) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == x) {
        return i;
      }
    }
    return -1;
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(UPLOT + name)) {
      if (in == null) {
        throw new IllegalStateException("uPlot's " + name + " is not on the classpath (the org.webjars.npm:uplot jar)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
