package dev.dualstream.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualstream.deploy.cli.TrainerApplication;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The image as deploy/pom.xml's {@code image} profile defines it (Jib), read from the pom, against the manifests
 * that run it: this machine reaches no registry, so the image is never built here.
 */
class ImageDefinitionTest {
  static final List<String> UNITS = Rendered.UNITS;

  private static Element jib;
  private static Map<String, String> properties;
  private static Map<String, String> cudaProperties;
  private static String version;

  @BeforeAll
  static void readPoms() throws Exception {
    Element deploy = xml(Path.of("pom.xml"));
    Element image = profile(deploy, "image");
    properties = children(child(image, "properties"));
    Element plugin = child(child(child(image, "build"), "plugins"), "plugin");
    assertEquals("jib-maven-plugin", text(plugin, "artifactId"));
    jib = child(plugin, "configuration");
    Element parent = xml(Path.of("..", "pom.xml"));
    version = text(parent, "version");
    cudaProperties = children(child(profile(parent, "cuda"), "properties"));
  }

  @Test
  void theEntrypointsMainClassAndTheTrainersEntryClassExist() throws Exception {
    for (String name : List.of(text(container(), "mainClass"), TrainerApplication.class.getName())) {
      Method main = Class.forName(name).getMethod("main", String[].class);
      assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), name);
    }
  }

  @Test
  void theBaseImageIsPinnedByDigest() {
    String from = text(child(jib, "from"), "image");
    assertEquals("${image.base}", from);
    assertTrue(ImageReference.parse(properties.get("image.base")).hasDigest(), properties.get("image.base"));
  }

  @ParameterizedTest
  @FieldSource("UNITS")
  void theImageRunsAsTheNonRootUserThePodsRunAs(String unit) {
    String[] user = text(container(), "user").split(":");
    long uid = Long.parseLong(user[0]);
    assertTrue(uid > 0 && Long.parseLong(user[1]) > 0, "numeric, non-root user and group");
    for (PodView pod : Rendered.pods(unit)) {
      assertEquals(uid, pod.spec().path("securityContext").path("runAsUser").asLong(), pod.owner());
    }
  }

  @Test
  void djlStaysOfflineAndNeverPicksItsOwnNatives() {
    Map<String, String> env = children(child(container(), "environment"));
    assertEquals("true", env.get("DJL_OFFLINE"));
    assertEquals("true", env.get("OPT_OUT_TRACKING"));
    assertFalse(env.containsKey("PYTORCH_VERSION") || env.containsKey("PYTORCH_FLAVOR"), "they force a download");
    List<String> flags = new ArrayList<>(children(child(container(), "jvmFlags"), "jvmFlag"));
    assertTrue(flags.contains("-Dai.djl.offline=true"), flags.toString());
    String flinkOpts = Rendered.one("base", "FlinkDeployment").path("spec").path("flinkConfiguration")
        .path("env.java.opts.all").asText();
    assertTrue(flinkOpts.contains("-Dai.djl.offline=true"), "Flink's JVMs: " + flinkOpts);
  }

  /** The root filesystem is read-only: DJL's extraction directory and the working directory must be volumes. */
  @ParameterizedTest
  @FieldSource("UNITS")
  void everyJvmOfTheImageHasItsWritableDirectoriesMounted(String unit) {
    Map<String, String> env = children(child(container(), "environment"));
    String cache = env.get("DJL_CACHE_DIR");
    assertEquals(cache, env.get("ENGINE_CACHE_DIR"), "libtorch is extracted under DJL's cache");
    List<String> problems = new ArrayList<>();
    for (PodView pod : Rendered.pods(unit)) {
      for (JsonNode c : pod.containers()) {
        if (c.has("command")) {
          continue;
        }
        List<String> writable = new ArrayList<>(List.of(cache, "/tmp", text(container(), "workingDirectory")));
        if (pod.flink() != null) {
          writable.add("/opt/flink/log");
        }
        for (String dir : writable) {
          if (!pod.volumeAt(c, dir).has("emptyDir")) {
            problems.add(pod.owner() + " " + c.path("name").asText() + ": no emptyDir at " + dir);
          }
        }
      }
    }
    assertEquals(List.of(), problems, unit);
  }

  @Test
  void theFlinkJobJarIsWhereJibPutsTheApplication() {
    assertEquals("packaged", text(jib, "containerizingMode"));
    String jar = "local://" + text(container(), "appRoot") + "/classpath/deploy-" + version + ".jar";
    assertEquals(jar, Rendered.one("base", "FlinkDeployment").path("spec").path("job").path("jarURI").asText());
  }

  @ParameterizedTest
  @FieldSource("UNITS")
  void theDatasetThePodsNameIsInTheImage(String unit) throws Exception {
    Element path = child(child(child(jib, "extraDirectories"), "paths"), "path");
    Path from = Path.of(text(path, "from").replace("${project.basedir}", "."));
    assertTrue(Files.isDirectory(from.resolve("qrels")), from + " is a BEIR data set");
    for (ComponentsTest.Command command : ComponentsTest.commands(unit)) {
      if (command.has("--dataset")) {
        assertEquals(text(path, "into"), command.value("--dataset"), command.pod().owner());
      }
    }
  }

  @Test
  void theTagsAreWhatTheOverlaysDeployAndCudaBuildsTheCudaNatives() {
    assertEquals("${image.repository}:${project.version}${image.variant}", text(child(jib, "to"), "image"));
    assertEquals("-cuda", cudaProperties.get("image.variant"));
    assertEquals("pytorch-native-cu124", cudaProperties.get("pytorch.native.artifact"));
    Map<String, String> tags = Map.of("overlays/cpu", version, "overlays/gpu", version + "-cuda", "jobs", version);
    tags.forEach((unit, tag) -> {
      for (PodView pod : Rendered.pods(unit)) {
        for (JsonNode c : pod.containers()) {
          assertEquals(tag, ImageReference.parse(pod.image(c)).tag(), unit + " " + pod.owner());
        }
      }
    });
  }

  private static Element container() {
    return child(jib, "container");
  }

  private static Element xml(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile()).getDocumentElement();
  }

  private static Element profile(Element project, String id) {
    for (Element p : elements(child(project, "profiles"))) {
      if (text(p, "id").equals(id)) {
        return p;
      }
    }
    throw new AssertionError("no profile " + id);
  }

  private static List<Element> elements(Element parent) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(e);
      }
    }
    return out;
  }

  private static Element child(Element parent, String name) {
    return elements(parent).stream().filter(e -> e.getTagName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">"));
  }

  private static String text(Element parent, String name) {
    return child(parent, name).getTextContent().trim();
  }

  private static Map<String, String> children(Element parent) {
    Map<String, String> out = new HashMap<>();
    elements(parent).forEach(e -> out.put(e.getTagName(), e.getTextContent().trim()));
    return out;
  }

  private static List<String> children(Element parent, String name) {
    return elements(parent).stream().filter(e -> e.getTagName().equals(name)).map(e -> e.getTextContent().trim())
        .toList();
  }
}
