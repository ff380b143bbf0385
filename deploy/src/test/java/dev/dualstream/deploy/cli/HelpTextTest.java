package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every command's help formats cleanly: picocli runs descriptions through a format string, and a
 * bare {@code %} makes it print a warning to the process's standard error and show the raw text.
 */
class HelpTextTest {

  @Test
  void everyHelpTextFormatsWithoutPicocliWarnings() {
    String[][] commands = {{"--help"}, {"demo", "--help"}, {"train", "--help"}, {"experiment", "negatives", "--help"},
        {"bench", "trainer", "--help"}, {"bench", "pipeline", "--help"},
        {"bench", "ingest", "--help"}};
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      for (String[] command : commands) {
        assertEquals(0, run(command).code, String.join(" ", command));
      }
    } finally {
      System.setErr(original);
    }
    String warnings = captured.toString(StandardCharsets.UTF_8);
    assertFalse(warnings.contains("picocli WARN"), warnings);
  }
}
