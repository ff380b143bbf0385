package dev.dualstream.deploy.cli;

import static dev.dualstream.deploy.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        {"bench", "ingest", "--help"}, {"broker", "--help"}, {"cluster", "--help"},
        {"simulate", "--help"}, {"ingest", "--help"}, {"evaluate", "--help"}, {"up", "--help"},
        {"record", "--help"}, {"replay", "--help"}};
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

  /**
   * Help lines break between words only: every word of every option's description appears whole in its command's
   * help (picocli's own wrapping broke "queries.jsonl[.gz]" and "127.0.0.1:9092"), and no line is wider than 80.
   */
  @Test
  void helpLinesBreakBetweenWordsAndFitTheWidth() {
    List<String> problems = new ArrayList<>();
    checkWords(new CommandLine(new DualstreamCli()), List.of(), problems);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private static void checkWords(CommandLine command, List<String> path, List<String> problems) {
    List<String> args = new ArrayList<>(path);
    args.add("--help");
    String help = run(args.toArray(String[]::new)).out;
    Set<String> words = new HashSet<>(Arrays.asList(help.split("\\s+")));
    for (String line : help.split("\\R")) {
      if (line.length() > 80) {
        problems.add(String.join(" ", args) + ": line of " + line.length() + ": " + line);
      }
    }
    for (CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
      for (String line : option.renderedDescription()) {
        for (String word : line.trim().split("\\s+")) {
          if (!word.isEmpty() && !word.contains("%") && !words.contains(word)) {
            problems.add(String.join(" ", args) + ": " + option.longestName() + ": '" + word + "' is broken");
          }
        }
      }
    }
    command.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        List<String> next = new ArrayList<>(path);
        next.add(name);
        checkWords(sub, next, problems);
      }
    });
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
