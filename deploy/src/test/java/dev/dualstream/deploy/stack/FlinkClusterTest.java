package dev.dualstream.deploy.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a session cluster's processes get on their class path: a Flink image's lib/, and the launcher. */
class FlinkClusterTest {

  @Test
  void librariesLeaveOutDualstreamsOwnCodeButKeepTheLauncherAndMakeEveryEntryAbsolute(@TempDir Path dir)
      throws Exception {
    Path launcher = Path.of(ParentLifeline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path trainerJar = jar(dir.resolve("trainer.jar"), "dev/dualstream/trainer/job/TrainerJob.class");
    Path library = jar(dir.resolve("flink-core.jar"), "org/apache/flink/Thing.class");
    Path testClasses = dir.resolve("test-classes");
    Files.createDirectories(testClasses.resolve("dev/dualstream/x"));
    Path relativeLauncher = Path.of("").toAbsolutePath().relativize(launcher);

    List<String> kept = FlinkCluster.libraries(String.join(File.pathSeparator, relativeLauncher.toString(),
        trainerJar.toString(), library.toString(), testClasses.toString(), ""));

    assertEquals(List.of(launcher.toAbsolutePath().normalize().toString(), library.toString()), kept);
  }

  private static Path jar(Path file, String entry) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
      jar.putNextEntry(new JarEntry(entry));
      jar.write(new byte[] {1});
      jar.closeEntry();
    }
    return file;
  }
}
