package dev.dualstream.deploy.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's entry in Flink's application mode ({@code deploy/k8s}: the FlinkDeployment's {@code entryClass}):
 * {@code dualstream train --submit} with the given arguments, run inside the JobManager. Unlike {@link
 * DualstreamCli#main} it never calls {@code System.exit}, which would take the JobManager down with it; a
 * failure is thrown, so Flink records the application as failed.
 */
public final class TrainerApplication {
  private TrainerApplication() {}

  public static void main(String[] args) {
    int code = DualstreamCli.execute(arguments(args), new PrintWriter(System.out, true),
        new PrintWriter(System.err, true));
    if (code != 0) {
      throw new IllegalStateException("dualstream train --submit exited with " + code + " (the reason is above)");
    }
  }

  /** {@code train --submit} followed by the arguments given. */
  public static String[] arguments(String[] args) {
    List<String> all = new ArrayList<>(List.of("train", "--submit"));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }
}
