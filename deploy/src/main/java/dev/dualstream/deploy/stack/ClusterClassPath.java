package dev.dualstream.deploy.stack;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * A session cluster's class path, made from this JVM's: the libraries, as a Flink image's {@code lib/} folder holds
 * them, without any entry that holds dualstream's own classes (jobs bring theirs as jars), and with the launcher.
 */
final class ClusterClassPath {
  private ClusterClassPath() {}

  /** See {@link FlinkCluster#libraries}. */
  static List<String> libraries(String classPath) {
    Path launcher = Path.of(codeSource(ParentLifeline.class)).toAbsolutePath().normalize();
    List<String> kept = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path path = Path.of(entry).toAbsolutePath().normalize(); // the launcher's class path is relative
      if (path.equals(launcher) || !holdsDualstreamCode(path)) {
        kept.add(path.toString());
      }
    }
    return kept;
  }

  private static boolean holdsDualstreamCode(Path entry) {
    if (Files.isDirectory(entry)) {
      return Files.isDirectory(entry.resolve("dev").resolve("dualstream"));
    }
    if (!Files.isRegularFile(entry)) {
      return false;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      return jar.stream().anyMatch(e -> e.getName().startsWith("dev/dualstream/"));
    } catch (IOException e) {
      return false; // not a jar: nothing the JVM would load classes from either
    }
  }

  private static String codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
