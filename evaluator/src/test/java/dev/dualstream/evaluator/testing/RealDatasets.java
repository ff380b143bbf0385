package dev.dualstream.evaluator.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Finds the debian-pkgdesc dataset: the repository's data/ first, then ../shared/data beside the repo. */
public final class RealDatasets {

  private RealDatasets() {}

  /** The dataset directory, or a skipped test (visibly, with the paths tried) when it is absent. */
  public static Path debianPkgdescOrSkip() {
    Optional<Path> found = debianPkgdesc();
    Assumptions.assumeTrue(found.isPresent(), "debian-pkgdesc not found under " + candidates());
    return found.get();
  }

  public static Optional<Path> debianPkgdesc() {
    return candidates().stream().filter(dir -> Files.isDirectory(dir.resolve("qrels"))).findFirst();
  }

  private static List<Path> candidates() {
    // Tests run with the module directory as working directory, so the repository root is "..".
    Path repoRoot = Path.of("..");
    return List.of(repoRoot.resolve("data/debian-pkgdesc"), repoRoot.resolve("../shared/data/debian-pkgdesc"));
  }
}
