package dev.dualstream.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks can fail: broken copies of the real manifests are refused, each for its own reason. */
class ManifestValidatorTest {

  private static ObjectNode copy(String kind) {
    return Rendered.one("overlays/cpu", kind).deepCopy();
  }

  private static String problems(JsonNode object) throws IOException {
    return String.join("\n", new ManifestValidator().problems(object));
  }

  @Test
  void theRealObjectsPass() throws IOException {
    for (String kind : List.of("Deployment", "FlinkDeployment", "Kafka", "PodMonitor")) {
      JsonNode object = kind.equals("Deployment") ? Rendered.ofKind("overlays/cpu", kind).get(0) : copy(kind);
      assertEquals("", problems(object), kind);
    }
  }

  @Test
  void aMisspelledFieldInADeploymentIsRefused() throws IOException {
    ObjectNode d = Rendered.ofKind("overlays/cpu", "Deployment").get(0).deepCopy();
    ((ObjectNode) d.at("/spec/template/spec/containers/0")).put("imagePullPolcy", "Always");
    assertTrue(problems(d).contains("imagePullPolcy"), problems(d));
  }

  @Test
  void aWrongTypeIsRefused() throws IOException {
    ObjectNode d = Rendered.ofKind("overlays/cpu", "Deployment").get(0).deepCopy();
    ((ObjectNode) d.path("spec")).put("replicas", "two");
    assertTrue(problems(d).contains("does not read as Deployment"), problems(d));
  }

  @Test
  void anUnknownFieldOrEnumInAFlinkDeploymentIsRefused() throws IOException {
    ObjectNode f = copy("FlinkDeployment");
    ((ObjectNode) f.at("/spec/job")).put("upgradeMode", "savepoints");
    ((ObjectNode) f.at("/spec/podTemplate/spec/containers/0")).put("volumeMount", "x");
    ((ObjectNode) f.at("/spec/taskManager/resource")).put("cpu", "two");
    String problems = problems(f);
    assertTrue(problems.contains("spec.job.upgradeMode: \"savepoints\" is not one of"), problems);
    assertTrue(problems.contains("containers[0].volumeMount: unknown field"), problems);
    assertTrue(problems.contains("spec.taskManager.resource.cpu: a number expected"), problems);
  }

  @Test
  void anUnknownFieldInAStrimziResourceIsRefused() throws IOException {
    ObjectNode k = copy("Kafka");
    ((ObjectNode) k.at("/spec/kafka/listeners/0")).put("authentification", "scram-sha-512");
    assertTrue(problems(k).contains("authentification"), problems(k));
    ObjectNode t = Rendered.ofKind("overlays/cpu", "KafkaTopic").get(0).deepCopy();
    ((ObjectNode) t.path("spec")).put("partition", 3);
    assertTrue(problems(t).contains("partition"), problems(t));
  }

  @Test
  void anUnknownFieldInAPodMonitorIsRefused() throws IOException {
    ObjectNode m = copy("PodMonitor");
    ((ObjectNode) m.at("/spec/podMetricsEndpoints/0")).put("scrapeEvery", "30s");
    assertTrue(problems(m).contains("scrapeEvery"), problems(m));
  }

  @Test
  void anUnknownKindIsRefused() throws IOException {
    ObjectNode d = Rendered.ofKind("overlays/cpu", "Deployment").get(0).deepCopy();
    d.put("apiVersion", "apps/v1beta1");
    assertTrue(problems(d).contains("no API type known"), problems(d));
  }

  @Test
  void aContainerWithoutResourcesOrWithAWritableRootIsRefused() {
    ObjectNode c = Rendered.ofKind("overlays/cpu", "Deployment").get(0).at("/spec/template/spec/containers/0")
        .deepCopy();
    c.remove("resources");
    ((ObjectNode) c.path("securityContext")).put("readOnlyRootFilesystem", false);
    assertEquals(3, ManifestsTest.resources(c.path("resources"), "c").size());
    assertEquals(List.of("c: root filesystem not read-only"), ManifestsTest.containerSecurity(c.path(
        "securityContext"), "c"));
  }

  @Test
  void anUnpinnedImageIsNotPinned() {
    assertTrue(ImageReference.parse("registry.example.com:5000/dualstream:0.1.0").pinned());
    assertTrue(ImageReference.parse("flink@sha256:" + "a".repeat(64)).pinned());
    assertTrue(!ImageReference.parse("registry.example.com:5000/dualstream").pinned());
    assertTrue(!ImageReference.parse("dualstream:latest").pinned());
    assertTrue(!ImageReference.parse("flink@sha256:abc").pinned());
  }

  @Test
  void theRendererRefusesAKustomizationFieldItDoesNotImplement(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namePrefix: staging-
        resources: []
        """);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
    assertTrue(e.getMessage().contains("namePrefix is not implemented"), e.getMessage());
  }

  @Test
  void theRendererRefusesAPatchThatMatchesNothing(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
        - ns.yaml
        patches:
        - path: p.yaml
          target:
            kind: Namespace
            name: other
        """);
    Files.writeString(dir.resolve("ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n");
    Files.writeString(dir.resolve("p.yaml"), "- op: add\n  path: /metadata/labels\n  value: {a: b}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kustomize.render(dir));
    assertTrue(e.getMessage().contains("matches no resource"), e.getMessage());
  }

  @Test
  void aStructuralSchemaKeywordTheValidatorDoesNotKnowFailsLoudly() throws IOException {
    JsonNode schema = Yaml.read("properties:\n  spec:\n    type: string\n    x-kubernetes-validations: []\n").get(0);
    assertThrows(IllegalStateException.class, () -> new OpenApiSchema(schema).validate(
        ((ArrayNode) Yaml.MAPPER.createArrayNode().add("x")).get(0), "spec"));
  }
}
