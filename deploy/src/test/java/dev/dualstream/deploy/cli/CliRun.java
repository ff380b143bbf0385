package dev.dualstream.deploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the CLI in this JVM, as a user's shell would see it: exit code, standard output and error. */
final class CliRun {
  final int code;
  final String out;
  final String err;

  private CliRun(int code, String out, String err) {
    this.code = code;
    this.out = out;
    this.err = err;
  }

  static CliRun run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = DualstreamCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRun(code, out.toString(), err.toString());
  }

  /**
   * Runs {@code args} and asserts that the CLI refused them as a user error: exit code 1, one line
   * on standard error that starts with {@code dualstream: } and contains {@code message}, no stack trace.
   */
  static void assertRefused(String message, String... args) {
    CliRun r = run(args);
    assertEquals(1, r.code, r.err);
    assertTrue(r.err.startsWith("dualstream: ") && r.err.contains(message), r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
  }
}
