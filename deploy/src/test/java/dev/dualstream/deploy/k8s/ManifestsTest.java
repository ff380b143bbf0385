package dev.dualstream.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/k8s without a cluster: each kustomization renders, every object reads into its API type with no field
 * left over, and the pods keep the rules every pod here keeps (non-root, read-only root filesystem, no privilege
 * escalation, resources). {@code ComponentsTest} checks what the pods run; {@code KafkaTopicsTest} the topics.
 */
class ManifestsTest {
  static final List<String> UNITS = Rendered.UNITS;

  @ParameterizedTest
  @FieldSource("UNITS")
  void everyObjectReadsIntoItsApiTypeWithNoUnknownField(String unit) throws IOException {
    ManifestValidator validator = new ManifestValidator();
    List<String> problems = new ArrayList<>();
    List<ObjectNode> objects = Rendered.objects(unit);
    assertFalse(objects.isEmpty(), unit + " renders nothing");
    for (ObjectNode object : objects) {
      problems.addAll(validator.problems(object));
    }
    assertEquals(List.of(), problems, unit);
  }

  /** Where kubectl is installed, its kustomize must render exactly what {@link Kustomize} renders. */
  @ParameterizedTest
  @FieldSource("UNITS")
  void kubectlKustomizeRendersTheSameObjects(String unit) throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed: the renderer is not compared with kustomize");
    Process p = new ProcessBuilder("kubectl", "kustomize", Rendered.K8S.resolve(unit).toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize did not finish");
    assertEquals(0, p.exitValue(), "kubectl kustomize " + unit + " failed");
    assertEquals(byId(Rendered.objects(unit)), byId(Yaml.read(out)), unit);
  }

  @ParameterizedTest
  @FieldSource("UNITS")
  void everyPodRunsNonRootWithAReadOnlyRootFilesystemAndResources(String unit) {
    List<String> problems = new ArrayList<>();
    for (PodView pod : Rendered.pods(unit)) {
      JsonNode sc = pod.spec().path("securityContext");
      if (!sc.path("runAsNonRoot").asBoolean() || sc.path("runAsUser").asInt(1) == 0) {
        problems.add(pod.owner() + ": pod not runAsNonRoot with a non-zero user");
      }
      if (!sc.path("seccompProfile").path("type").asText().equals("RuntimeDefault")) {
        problems.add(pod.owner() + ": no RuntimeDefault seccomp profile");
      }
      for (JsonNode c : pod.containers()) {
        String where = pod.owner() + " container " + c.path("name").asText();
        problems.addAll(containerSecurity(c.path("securityContext"), where));
        if (pod.flink() != null && c.path("name").asText().equals(PodView.FLINK_MAIN)) {
          for (String role : List.of("jobManager", "taskManager")) {
            JsonNode resource = pod.flink().path("spec").path(role).path("resource");
            if (!resource.has("cpu") || !resource.has("memory")) {
              problems.add(where + ": " + role + ".resource needs cpu and memory");
            }
          }
        } else {
          problems.addAll(resources(c.path("resources"), where));
        }
      }
    }
    assertEquals(List.of(), problems, unit);
  }

  @Test
  void strimzisPodsKeepTheSameRules() {
    List<String> problems = new ArrayList<>();
    JsonNode pool = Rendered.one("base", "KafkaNodePool");
    problems.addAll(resources(pool.path("spec").path("resources"), "KafkaNodePool"));
    problems.addAll(podRules(pool.path("spec").path("template"), "pod", List.of("kafkaContainer"), "KafkaNodePool"));
    JsonNode entity = Rendered.one("base", "Kafka").path("spec").path("entityOperator");
    problems.addAll(resources(entity.path("topicOperator").path("resources"), "topic operator"));
    problems.addAll(resources(entity.path("userOperator").path("resources"), "user operator"));
    problems.addAll(podRules(entity.path("template"), "pod", List.of("topicOperatorContainer",
        "userOperatorContainer"), "entity operator"));
    assertEquals(List.of(), problems);
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlays/cpu", "overlays/gpu", "jobs"})
  void whatUsersApplyPinsEveryImage(String unit) {
    List<String> problems = new ArrayList<>();
    for (PodView pod : Rendered.pods(unit)) {
      for (JsonNode c : pod.containers()) {
        ImageReference image = ImageReference.parse(pod.image(c));
        if (!image.pinned() || image.name().equals(Rendered.IMAGE)) {
          problems.add(pod.owner() + " container " + c.path("name").asText() + ": image " + pod.image(c)
              + " is not a pushed, pinned image");
        }
      }
    }
    assertEquals(List.of(), problems, unit);
  }

  @Test
  void theBaseLeavesTheImageToTheOverlays() {
    for (PodView pod : Rendered.pods("base")) {
      for (JsonNode c : pod.containers()) {
        assertEquals(Rendered.IMAGE, pod.image(c), pod.owner());
      }
    }
  }

  @Test
  void theGpuOverlayAsksForOneGpuPerTaskManagerAndTheCpuOverlayForNone() {
    JsonNode gpu = Rendered.one("overlays/gpu", "FlinkDeployment").path("spec");
    JsonNode conf = gpu.path("flinkConfiguration");
    assertEquals("gpu", conf.path("external-resources").asText());
    assertEquals("nvidia.com/gpu", conf.path("external-resource.gpu.kubernetes.config-key").asText());
    assertEquals(1, conf.path("external-resource.gpu.amount").asInt());
    assertTrue(gpu.path("image").asText().endsWith("-cuda"), "the trainer runs the CUDA image");
    JsonNode cpu = Rendered.one("overlays/cpu", "FlinkDeployment").path("spec");
    assertFalse(cpu.path("flinkConfiguration").has("external-resources"));
    assertFalse(cpu.path("image").asText().endsWith("-cuda"));
    assertFalse(cpu.toString().contains("nvidia.com/gpu"));
  }

  static List<String> containerSecurity(JsonNode sc, String where) {
    List<String> problems = new ArrayList<>();
    if (sc.path("allowPrivilegeEscalation").asBoolean(true)) {
      problems.add(where + ": allowPrivilegeEscalation is not false");
    }
    if (!sc.path("readOnlyRootFilesystem").asBoolean()) {
      problems.add(where + ": root filesystem not read-only");
    }
    if (!sc.path("capabilities").path("drop").toString().contains("\"ALL\"")) {
      problems.add(where + ": capabilities not dropped");
    }
    return problems;
  }

  static List<String> resources(JsonNode resources, String where) {
    List<String> problems = new ArrayList<>();
    for (String path : List.of("requests/cpu", "requests/memory", "limits/memory")) {
      if (resources.at("/" + path).isMissingNode()) {
        problems.add(where + ": no resources." + path.replace('/', '.'));
      }
    }
    return problems;
  }

  private static List<String> podRules(JsonNode template, String pod, List<String> containers, String where) {
    List<String> problems = new ArrayList<>();
    if (!template.path(pod).path("securityContext").path("runAsNonRoot").asBoolean()) {
      problems.add(where + ": pod not runAsNonRoot");
    }
    for (String c : containers) {
      problems.addAll(containerSecurity(template.path(c).path("securityContext"), where + " " + c));
    }
    return problems;
  }

  private static Map<String, JsonNode> byId(List<? extends JsonNode> objects) {
    Map<String, JsonNode> byId = new HashMap<>();
    objects.forEach(o -> byId.put(Kustomize.id(o), o));
    return byId;
  }

  static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
