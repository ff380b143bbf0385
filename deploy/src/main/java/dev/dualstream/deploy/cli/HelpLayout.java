package dev.dualstream.deploy.cli;

import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Command descriptions and option lists of {@code --help}, wrapped at spaces only. Picocli breaks lines where a {@link
 * java.text.BreakIterator} may, which is also inside tokens such as {@code queries.jsonl[.gz]}, {@code
 * 127.0.0.1:9092} or {@code in-batch+cache-M}; here a line breaks only between words, and a word longer
 * than the column stands on a line of its own. The columns are picocli's: names from the third column,
 * descriptions from the 28th, their continuation lines two further in.
 */
final class HelpLayout {
  /** Where descriptions start: after the names' column, as picocli lays it out. */
  static final int DESCRIPTION_COLUMN = 27;
  /** How much further continuation lines of a description start. */
  static final int CONTINUATION_INDENT = 2;

  private HelpLayout() {}

  /** A default as help shows it and the option reads it back: 3, 0.5, 1e-3 as 0.001. */
  static String number(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** Installs this layout on {@code cli} and every subcommand below it. */
  static void install(CommandLine cli) {
    cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, HelpLayout::description);
    cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, HelpLayout::optionList);
    cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, HelpLayout::commandList);
    cli.getSubcommands().values().forEach(HelpLayout::install);
  }

  /** The command's description, each line as written, wrapped where it is wider than the help. */
  static String description(Help help) {
    StringBuilder out = new StringBuilder();
    int width = help.commandSpec().usageMessage().width();
    for (String line : help.commandSpec().usageMessage().description()) {
      for (String piece : formatted(line).split("\\R", -1)) {
        for (String wrapped : piece.isBlank() ? List.of("") : wrap(piece, width - 1, width - 1)) {
          out.append(wrapped).append(System.lineSeparator());
        }
      }
    }
    return out.toString();
  }

  /** The subcommands, each with its header or else the first sentence of its description. */
  static String commandList(Help help) {
    var commands = help.commandSpec().subcommands();
    if (commands.isEmpty()) {
      return "";
    }
    int nameWidth = 2;
    for (String name : commands.keySet()) {
      nameWidth = Math.max(nameWidth, name.length() + 4);
    }
    int width = help.commandSpec().usageMessage().width();
    StringBuilder out = new StringBuilder();
    for (var command : commands.entrySet()) {
      if (command.getValue().getCommandSpec().usageMessage().hidden()) {
        continue;
      }
      var usage = command.getValue().getCommandSpec().usageMessage();
      String text = formatted(String.join(" ", usage.header().length > 0 ? usage.header() : usage.description()));
      List<String> lines = wrap(firstSentence(text), width - nameWidth - 1, width - nameWidth - 1 - CONTINUATION_INDENT);
      String name = "  " + command.getKey();
      out.append(name).append(" ".repeat(nameWidth - name.length())).append(lines.get(0)).append(System.lineSeparator());
      for (String line : lines.subList(1, lines.size())) {
        out.append(" ".repeat(nameWidth + CONTINUATION_INDENT)).append(line).append(System.lineSeparator());
      }
    }
    return out.toString();
  }

  /** Up to and including the first full stop or colon that ends a sentence, or all of it. */
  static String firstSentence(String text) {
    String flat = text.trim().replaceAll("\\s+", " ");
    for (int i = 0; i < flat.length(); i++) {
      char c = flat.charAt(i);
      if ((c == '.' || c == ':') && (i + 1 == flat.length() || flat.charAt(i + 1) == ' ')) {
        return flat.substring(0, c == ':' ? i : i + 1);
      }
    }
    return flat;
  }

  /** The visible options, one row each, in picocli's order. */
  static String optionList(Help help) {
    List<OptionSpec> options = new ArrayList<>();
    for (OptionSpec option : help.commandSpec().options()) {
      if (!option.hidden()) {
        options.add(option);
      }
    }
    if (help.commandSpec().usageMessage().sortOptions()) {
      options.sort(help.createDefaultOptionSort());
    }
    int width = help.commandSpec().usageMessage().width();
    StringBuilder out = new StringBuilder();
    for (OptionSpec option : options) {
      row(out, names(help, option), description(option), width);
    }
    return out.toString();
  }

  /** {@code "  -h, --help"} or {@code "      --dataset=DIR"}, as picocli writes them. */
  private static String names(Help help, OptionSpec option) {
    String shortName = null;
    List<String> longNames = new ArrayList<>();
    for (String name : option.names()) {
      if (shortName == null && name.length() == 2 && !name.startsWith("--")) {
        shortName = name;
      } else {
        longNames.add(name);
      }
    }
    String label = help.parameterLabelRenderer().renderParameterLabel(option, Help.Ansi.OFF, List.of()).toString();
    String longPart = String.join(", ", longNames) + (longNames.isEmpty() ? "" : label);
    if (shortName == null) {
      return "      " + longPart;
    }
    return "  " + shortName + (longNames.isEmpty() ? label : ", " + longPart);
  }

  /** The description's lines as picocli renders them ({@code ${DEFAULT-VALUE}}, ...), each through its formatter. */
  private static List<String> description(OptionSpec option) {
    List<String> paragraphs = new ArrayList<>();
    for (String line : option.renderedDescription()) {
      paragraphs.add(formatted(line));
    }
    return paragraphs;
  }

  /** Picocli passes descriptions through {@link String#format}, so {@code %n} and {@code %%} mean what they do there. */
  private static String formatted(String line) {
    try {
      return String.format(line);
    } catch (IllegalFormatException e) {
      return line;
    }
  }

  private static void row(StringBuilder out, String names, List<String> paragraphs, int width) {
    List<String> lines = new ArrayList<>();
    boolean first = true;
    for (String paragraph : paragraphs) {
      for (String piece : paragraph.split("\\R", -1)) {
        lines.addAll(wrap(piece, width - DESCRIPTION_COLUMN - (first ? 0 : CONTINUATION_INDENT),
            width - DESCRIPTION_COLUMN - CONTINUATION_INDENT));
        first = false;
      }
    }
    String pad = " ".repeat(DESCRIPTION_COLUMN);
    String continuation = " ".repeat(DESCRIPTION_COLUMN + CONTINUATION_INDENT);
    int next = 0;
    if (names.length() <= DESCRIPTION_COLUMN - 1) {
      out.append(names).append(" ".repeat(DESCRIPTION_COLUMN - names.length()));
      out.append(lines.isEmpty() ? "" : lines.get(next++)).append(System.lineSeparator());
    } else {
      out.append(names).append(System.lineSeparator());
      if (!lines.isEmpty()) {
        out.append(pad).append(lines.get(next++)).append(System.lineSeparator());
      }
    }
    for (; next < lines.size(); next++) {
      out.append(continuation).append(lines.get(next)).append(System.lineSeparator());
    }
  }

  /**
   * Words of {@code text} in lines of at most {@code firstWidth} (the first line) and {@code width} (the others)
   * characters, broken only at spaces; a longer word stands alone on its line.
   */
  static List<String> wrap(String text, int firstWidth, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.trim().split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      int limit = lines.isEmpty() ? firstWidth : width;
      if (line.length() > 0 && line.length() + 1 + word.length() > limit) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() == 0 ? "" : " ").append(word);
    }
    if (line.length() > 0 || lines.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }
}
