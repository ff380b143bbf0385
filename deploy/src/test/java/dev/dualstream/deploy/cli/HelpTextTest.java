package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help formats cleanly: picocli runs descriptions through a format string, and a
 * bare {@code %} makes it print a warning to the process's standard error and show the raw text.
 */
class HelpTextTest {

  @Test
  void everyHelpTextFormatsWithoutPicocliWarnings() {
    String[][] commands = {{"--help"}, {"demo", "--help"}, {"train", "--help"}, {"experiment", "negatives", "--help"},
        {"bench", "trainer", "--help"}, {"bench", "pipeline", "--help"},
        {"bench", "ingest", "--help"}, {"broker", "--help"}, {"simulate", "--help"}, {"ingest", "--help"}, {"evaluate", "--help"}, {"up", "--help"}};
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

  /**
   * Description lines broken by hand fit the 80-column help, so picocli never breaks them again mid-sentence
   * (a description written as one paragraph is wrapped by picocli, and reads well).
   */
  @Test
  void descriptionsAreWrittenToFitTheHelpWidth() {
    List<String> tooLong = new ArrayList<>();
    collect(new CommandLine(new DualstreamCli()), tooLong);
    assertTrue(tooLong.isEmpty(), String.join("\n", tooLong));
  }

  private static void collect(CommandLine command, List<String> tooLong) {
    String[] lines = command.getCommandSpec().usageMessage().description();
    for (String line : lines) {
      if (lines.length > 2 && line.length() > 79) {
        tooLong.add(command.getCommandSpec().qualifiedName() + ": " + line);
      }
    }
    command.getSubcommands().values().forEach(sub -> collect(sub, tooLong));
  }
}
